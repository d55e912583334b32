using Jobs.Contracts;

namespace Jobs.Executor.Execution;

/// <summary>How a running attempt is asked to stop from outside (a cancel); the first request wins.</summary>
public sealed class AttemptControl
{
    readonly TaskCompletionSource<TimeSpan> stop = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the grace period when a stop is requested.</summary>
    public Task<TimeSpan> StopRequested => stop.Task;

    public void RequestStop(TimeSpan grace) => stop.TrySetResult(grace);
}

/// <summary>How an attempt ended: the exit code (null if it never ran), how it ended, the signal we sent if we stopped it.</summary>
public sealed record AttemptResult(
    int? ExitCode,
    string? Error,
    int LogChunks,
    AttemptEnd End = AttemptEnd.Exited,
    int? Signal = null,
    long OutputBytes = 0,
    bool OutputTruncated = false);
