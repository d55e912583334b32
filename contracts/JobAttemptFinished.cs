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
}
