namespace Jobs.Contracts;

/// <summary>
/// Limits for one attempt's process tree, enforced with cgroups where the host allows; the attempt records which were.
/// </summary>
public record ResourceLimits
{
    /// <summary>CPU time as a percentage of one core (200 = two cores).</summary>
    public int? CpuPercent { get; init; }

    /// <summary>Memory in MiB; exceeding it kills the process (outcome Failed, error <c>oom-killed</c>).</summary>
    public int? MemoryMb { get; init; }

    /// <summary>Block IO in bytes per second, reads and writes each.</summary>
    public long? IoBytesPerSecond { get; init; }

    /// <summary>Most processes and threads at once.</summary>
    public int? Pids { get; init; }

    public bool Any => CpuPercent is not null || MemoryMb is not null || IoBytesPerSecond is not null || Pids is not null;
}
