namespace Jobs.Executor;

/// <summary>Bound from the <c>Executor</c> configuration section.</summary>
public sealed class ExecutorOptions
{
    public const string Section = "Executor";

    /// <summary>Unique among executors; names this executor's queue. Defaults to the host name.</summary>
    public string Id { get; set; } = Environment.MachineName.ToLowerInvariant();

    public string Pool { get; set; } = "default";

    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>Attempts run at once.</summary>
    public int Slots { get; set; } = Environment.ProcessorCount;

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most output bytes stored per attempt, unless the job asks for another cap.</summary>
    public long OutputCapBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Each attempt runs in a fresh directory under this one, removed when it ends.</summary>
    public string WorkRoot { get; set; } = Path.Combine(Path.GetTempPath(), "jobs-executor");

    /// <summary>Keep each attempt's fresh working directory after it ends (for debugging); the default removes it.</summary>
    public bool KeepWorkingDirectories { get; set; }

    /// <summary>A local user every job runs as; the daemon must be root to switch to it.</summary>
    public string? RunAsUser { get; set; }

    /// <summary>Whether a daemon running as root with no <see cref="RunAsUser"/> runs jobs as root; otherwise it refuses them.</summary>
    public bool AllowRoot { get; set; }

    /// <summary>Executables this executor runs (full paths, or bare names matching any directory); empty runs any.</summary>
    public List<string> AllowedCommands { get; set; } = [];

    /// <summary>
    /// File descriptors kept free for the daemon itself: with fewer free under its open-files limit it starts no job
    /// (the attempt ends Rejected), since a .NET process out of descriptors dies. 0 turns the check off.
    /// </summary>
    public int DescriptorReserve { get; set; } = 64;

    /// <summary>
    /// Tasks (processes and threads) kept free for the daemon under the tightest pids limit it lives under (its cgroups',
    /// the kernel's): with fewer free it starts no job (the attempt ends Rejected), since a .NET process that cannot
    /// start a thread dies. 0 turns the check off.
    /// </summary>
    public int TaskReserve { get; set; } = 32;

    /// <summary>How long a drain lets running attempts finish before it stops them.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
