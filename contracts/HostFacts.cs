namespace Jobs.Contracts;

/// <summary>Facts about the host an executor runs on.</summary>
public record HostFacts(string HostName, string Os, int Cores, long MemoryBytes)
{
    /// <summary>1 or 2, or null when the executor cannot create cgroups.</summary>
    public int? CgroupVersion { get; init; }

    /// <summary>Which limits this executor can enforce (<c>cpu</c>, <c>memory</c>, <c>io</c>, <c>pids</c>).</summary>
    public IReadOnlyList<string> EnforceableLimits { get; init; } = [];
}
