namespace Jobs.Contracts;

/// <summary>
/// Executor → job saga and Scheduler: the attempt ended. <see cref="ExitCode"/> is null when the process never ran
/// (then <see cref="Error"/> says why). <see cref="LogChunks"/> is how many <see cref="JobLogChunk"/>s the attempt published.
/// </summary>
public record JobAttemptFinished(
    Guid JobId,
    int Attempt,
    string ExecutorId,
    int? ExitCode,
    string? Error,
    int LogChunks,
    DateTimeOffset FinishedAt)
{
    /// <summary>The <see cref="Error"/> of an attempt in which the kernel killed a process for going over its memory limit.</summary>
    public const string OomKilled = "oom-killed";

    public AttemptEnd End { get; init; }

    /// <summary>The signal that ended the process when the executor stopped it (15 SIGTERM, 9 SIGKILL).</summary>
    public int? Signal { get; init; }

    /// <summary>Output bytes the process wrote (all of them, stored or not).</summary>
    public long OutputBytes { get; init; }

    /// <summary>Whether output past the cap was dropped.</summary>
    public bool OutputTruncated { get; init; }

    /// <summary>The requested limits the host enforced (<c>cpu</c>, <c>memory</c>, <c>io</c>, <c>pids</c>).</summary>
    public IReadOnlyList<string> EnforcedLimits { get; init; } = [];

    /// <summary>The requested limits the host could not enforce, so the attempt ran without them.</summary>
    public IReadOnlyList<string> UnenforcedLimits { get; init; } = [];

    /// <summary>CPU time of all the attempt's processes, from its cgroup; null when it ran without one.</summary>
    public long? CpuMicroseconds { get; init; }

    /// <summary>The most memory the attempt's processes held at once, from its cgroup; null when it ran without one.</summary>
    public long? PeakMemoryBytes { get; init; }
}
