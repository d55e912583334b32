namespace Jobs.Executor.Registration;

/// <summary>Whether this executor is shutting down, and a nudge for the heartbeat to tell the Scheduler at once.</summary>
public sealed class DrainState : IDisposable
{
    readonly SemaphoreSlim changed = new(0);

    public bool ShuttingDown { get; private set; }

    public void BeginShutdown()
    {
        ShuttingDown = true;
        changed.Release();
    }

    public void Dispose() => changed.Dispose();

    /// <summary>True when the state changed before <paramref name="timeout"/> ran out.</summary>
    public Task<bool> WaitForChange(TimeSpan timeout, CancellationToken cancellationToken) => changed.WaitAsync(timeout, cancellationToken);
}
