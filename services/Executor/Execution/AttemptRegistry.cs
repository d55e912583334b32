using System.Collections.Concurrent;
using Jobs.Contracts;

namespace Jobs.Executor.Execution;

/// <summary>
/// The attempts this executor runs now, for heartbeats, and the recently finished ones, so a redelivered command is
/// answered with its result instead of running the process twice.
/// </summary>
public sealed class AttemptRegistry
{
    const int RememberFinished = 10_000;

    readonly ConcurrentDictionary<RunningAttempt, byte> running = new();
    readonly ConcurrentDictionary<RunningAttempt, JobAttemptFinished> finished = new();
    readonly ConcurrentQueue<RunningAttempt> finishedOrder = new();

    public IReadOnlyList<RunningAttempt> Running => [.. running.Keys];

    /// <summary>False if the attempt already runs here or ran here (then <paramref name="result"/> is its result, if it ended).</summary>
    public bool TryBegin(RunningAttempt attempt, out JobAttemptFinished? result)
    {
        if (finished.TryGetValue(attempt, out result))
            return false;
        return running.TryAdd(attempt, 0);
    }

    public void Abandon(RunningAttempt attempt) => running.TryRemove(attempt, out _);

    public void Finish(RunningAttempt attempt, JobAttemptFinished result)
    {
        finished[attempt] = result;
        finishedOrder.Enqueue(attempt);
        running.TryRemove(attempt, out _);
        while (finishedOrder.Count > RememberFinished && finishedOrder.TryDequeue(out var oldest))
            finished.TryRemove(oldest, out _);
    }
}
