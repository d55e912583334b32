namespace Jobs.Contracts;

/// <summary>
/// What to run and how. Exec form (no shell) unless <see cref="Shell"/> is set, then the command is run by
/// <c>/bin/sh -c</c>. Fields after the positional ones were added later; their defaults keep older messages valid.
/// </summary>
public record JobSpec(string Command, IReadOnlyList<string> Args, bool Shell, string Pool)
{
    /// <summary>Longest an attempt may run, from start to end; null for no limit. On expiry the process group is stopped.</summary>
    public int? TimeoutSeconds { get; init; }

    /// <summary>Longest the job may wait from submit to its first start; null for no limit. On expiry it ends TimedOut.</summary>
    public int? QueueTimeoutSeconds { get; init; }

    /// <summary>How long a stopped process group gets between SIGTERM and SIGKILL.</summary>
    public int CancelGraceSeconds { get; init; } = 10;

    public RetryPolicy Retry { get; init; } = new();

    /// <summary>Run only on this executor (instead of any executor of <see cref="Pool"/>).</summary>
    public string? ExecutorId { get; init; }

    /// <summary>Labels an executor of the pool must carry (with these values) to take the job.</summary>
    public IReadOnlyDictionary<string, string> ExecutorLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>Higher runs first among waiting jobs; equal priorities run in submit order.</summary>
    public int Priority { get; init; }

    /// <summary>Environment variables, set over the minimal clean environment the executor gives every process.</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>An existing directory on the executor's host to run in; null for a fresh directory per attempt, removed afterwards.</summary>
    public string? WorkingDirectory { get; init; }

    public ResourceLimits Resources { get; init; } = new();

    /// <summary>Most output bytes stored per attempt; null for the executor's default. Output past it is dropped after a marker line.</summary>
    public long? OutputCapBytes { get; init; }
}
