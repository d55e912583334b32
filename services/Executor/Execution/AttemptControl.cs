using Jobs.Contracts;

namespace Jobs.Executor.Execution;

/// <summary>How a running attempt is asked to stop from outside (a cancel, or a drain that ran out of time); the first request wins.</summary>
public sealed class AttemptControl
{
    readonly TaskCompletionSource<TimeSpan> stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource<JobAttemptFinished?> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly Lock first = new();

    /// <summary>Completes when the attempt has ended and its result is published; with null if it was abandoned unreported.</summary>
    public Task<JobAttemptFinished?> Completion => completion.Task;

    public void Complete(JobAttemptFinished? result) => completion.TrySetResult(result);

    /// <summary>Completes with the grace period when a stop is requested.</summary>
    public Task<TimeSpan> StopRequested => stop.Task;

    /// <summary>How the attempt ends when stopped: <see cref="AttemptEnd.Stopped"/> for a cancel, <see cref="AttemptEnd.Drained"/> for a shutdown.</summary>
    public AttemptEnd StopEnd { get; private set; } = AttemptEnd.Stopped;

    public void RequestStop(TimeSpan grace, AttemptEnd end = AttemptEnd.Stopped)
    {
        lock (first)
        {
            if (stop.Task.IsCompleted)
                return;
            StopEnd = end;
            stop.SetResult(grace);
        }
    }
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
