namespace Jobs.Contracts;

/// <summary>
/// Executor → Scheduler, at start and then periodically: who it is, how many attempts it can run, which it runs now.
/// </summary>
public record ExecutorHeartbeat(
    string ExecutorId,
    string Pool,
    IReadOnlyDictionary<string, string> Labels,
    int Slots,
    IReadOnlyList<RunningAttempt> Running,
    HostFacts Host,
    DateTimeOffset SentAt)
{
    /// <summary>The executor is shutting down: it finishes what it runs and must be given nothing more.</summary>
    public bool Draining { get; init; }
}
