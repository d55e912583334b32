namespace Jobs.Executor.Registration;

/// <summary>Whether this executor is shutting down (with a nudge for the heartbeat to tell the Scheduler at once), and when it abandons its attempts.</summary>
public sealed class DrainState : IDisposable
{
    readonly SemaphoreSlim changed = new(0);
    readonly CancellationTokenSource abandoned = new();

    public bool ShuttingDown { get; private set; }

    /// <summary>
    /// Canceled only when the executor gives up on its attempts (the drain is over and the process exits): attempts
    /// and the publishing of their output hang on this, not on a broker delivery, which a dropped connection ends.
    /// </summary>
    public CancellationToken Abandoned => abandoned.Token;

    public void Abandon() => abandoned.Cancel();

    public void BeginShutdown()
    {
        ShuttingDown = true;
        changed.Release();
    }

    public void Dispose()
    {
        changed.Dispose();
        abandoned.Dispose();
    }

    /// <summary>True when the state changed before <paramref name="timeout"/> ran out.</summary>
    public Task<bool> WaitForChange(TimeSpan timeout, CancellationToken cancellationToken) => changed.WaitAsync(timeout, cancellationToken);
}
