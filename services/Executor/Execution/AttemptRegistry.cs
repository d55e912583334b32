using System.Collections.Concurrent;
using Jobs.Contracts;

namespace Jobs.Executor.Execution;

/// <summary>
/// The attempts this executor runs now (for heartbeats and stops), the recently finished ones (so a redelivered
/// command is answered with its result instead of running the process twice), and stops that arrived before their
/// attempt did.
/// </summary>
public sealed class AttemptRegistry
{
    const int Remember = 10_000;

    readonly ConcurrentDictionary<RunningAttempt, AttemptControl> running = new();
    readonly ConcurrentDictionary<RunningAttempt, JobAttemptFinished> finished = new();
    readonly ConcurrentQueue<RunningAttempt> finishedOrder = new();
    readonly ConcurrentDictionary<RunningAttempt, byte> stoppedEarly = new();

    // Beginning and stopping decide together whether a stop finds a running attempt or is kept for later.
    readonly Lock startStop = new();

    public IReadOnlyList<RunningAttempt> Running => [.. running.Keys];

    /// <summary>
    /// Registers the attempt as running and returns its control; null if it already runs here, ran here (then
    /// <paramref name="result"/> is its result) or was stopped before it arrived (then <paramref name="stoppedBeforeStart"/>).
    /// </summary>
    public AttemptControl? TryBegin(RunningAttempt attempt, out JobAttemptFinished? result, out bool stoppedBeforeStart)
    {
        stoppedBeforeStart = false;
        if (finished.TryGetValue(attempt, out result))
            return null;
        lock (startStop)
        {
            if (stoppedEarly.TryRemove(attempt, out _))
            {
                stoppedBeforeStart = true;
                return null;
            }
            var control = new AttemptControl();
            return running.TryAdd(attempt, control) ? control : null;
        }
    }

    /// <summary>Stops the attempt if it runs; remembers the stop if it has not arrived yet; nothing if it has finished.</summary>
    public void RequestStop(RunningAttempt attempt, TimeSpan grace)
    {
        lock (startStop)
        {
            if (running.TryGetValue(attempt, out var control))
                control.RequestStop(grace);
            else if (!finished.ContainsKey(attempt) && stoppedEarly.TryAdd(attempt, 0) && stoppedEarly.Count > Remember)
                stoppedEarly.Clear();
        }
    }

    /// <summary>Stops every running attempt (a drain that ran out of time).</summary>
    public void StopAll(TimeSpan grace, AttemptEnd end)
    {
        foreach (var control in running.Values)
            control.RequestStop(grace, end);
    }

    /// <summary>
    /// The result of the attempt if it runs here now, once it ends: a redelivered command (the broker connection
    /// dropped while the attempt ran) waits for it instead of running the process a second time.
    /// </summary>
    public Task<JobAttemptFinished?>? WhenFinished(RunningAttempt attempt) =>
        running.TryGetValue(attempt, out var control) ? control.Completion : null;

    /// <summary>The result of the attempt if it ended here and is still remembered; null if it runs, or is unknown here.</summary>
    public JobAttemptFinished? Result(RunningAttempt attempt) => finished.GetValueOrDefault(attempt);

    public void Abandon(RunningAttempt attempt)
    {
        if (running.TryRemove(attempt, out var control))
            control.Complete(null);
    }

    public void Finish(RunningAttempt attempt, JobAttemptFinished result)
    {
        finished[attempt] = result;
        finishedOrder.Enqueue(attempt);
        if (running.TryRemove(attempt, out var control))
            control.Complete(result);
        while (finishedOrder.Count > Remember && finishedOrder.TryDequeue(out var oldest))
            finished.TryRemove(oldest, out _);
    }
}
