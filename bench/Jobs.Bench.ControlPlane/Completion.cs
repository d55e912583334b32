using System.Diagnostics;

namespace Jobs.Bench.ControlPlane;

/// <summary>One poll during the measured run: seconds since the first POST, POSTs answered by then, and the system's progress.</summary>
internal sealed record ProgressSample(double Seconds, long Answered, long Succeeded, long EndedOtherwise, long SlotsHeld, long Waiting);

/// <summary>When every accepted job had ended, as the polls saw it, and what they saw on the way.</summary>
internal sealed record CompletionResult(double Seconds, long Succeeded, long EndedOtherwise, IReadOnlyList<ProgressSample> Samples);

/// <summary>
/// Polls the database (<see cref="SystemDatabase.Progress"/>, every 100 ms) while jobs are submitted, until every job
/// the submits got accepted has ended. No progress for a minute (nothing answered, nothing ended) is a failure, not a
/// slow run: it throws with the services' last output.
/// </summary>
internal static class Completion
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);

    /// <param name="began">The Stopwatch timestamp of the first POST.</param>
    /// <param name="submitting">The submits; their accepted count sets the target once they are all answered.</param>
    /// <param name="answered">POSTs answered so far.</param>
    /// <param name="endedBefore">Jobs that had ended before the run (warm-up, probe).</param>
    /// <param name="logs">The services' last output, for the failure message.</param>
    /// <param name="say">Where to report progress, every 5 s.</param>
    public static async Task<CompletionResult> Watch(
        SystemDatabase database, long began, Task<SubmitRun> submitting, Func<long> answered, long endedBefore, Func<string> logs,
        Action<string> say, CancellationToken cancellationToken)
    {
        var nextReport = 5.0;
        var samples = new List<ProgressSample>();
        using var timer = new PeriodicTimer(Poll);
        long? target = null;
        var lastEnded = -1L;
        var lastAnswered = -1L;
        var lastChange = Stopwatch.GetTimestamp();
        while (true)
        {
            if (submitting.IsCompleted && target is null)
                target = endedBefore + (await submitting).Accepted.Count();
            var answeredSoFar = answered();
            var progress = await database.Progress(cancellationToken);
            var now = Stopwatch.GetTimestamp();
            var seconds = Stopwatch.GetElapsedTime(began, now).TotalSeconds;
            samples.Add(new ProgressSample(Math.Round(seconds, 3), answeredSoFar, progress.Succeeded - endedBefore, progress.EndedOtherwise, progress.SlotsHeld, progress.Waiting));
            if (target is { } all && progress.Ended >= all)
                return new CompletionResult(seconds, progress.Succeeded, progress.EndedOtherwise, samples);
            if (seconds >= nextReport)
            {
                nextReport = Math.Floor(seconds / 5) * 5 + 5;
                say(FormattableString.Invariant(
                    $"  {seconds,5:0.0} s: {answeredSoFar} POSTs answered, {progress.Ended - endedBefore} jobs ended, {progress.SlotsHeld} slots held, {progress.Waiting} waiting"));
            }

            if (progress.Ended != lastEnded || answeredSoFar != lastAnswered)
            {
                lastEnded = progress.Ended;
                lastAnswered = answeredSoFar;
                lastChange = now;
            }
            else if (Stopwatch.GetElapsedTime(lastChange, now) > StallTimeout)
            {
                throw new TimeoutException(
                    $"Nothing answered and no job ended for {StallTimeout.TotalSeconds:0} s: {answeredSoFar} POSTs answered, " +
                    $"{progress.Ended - endedBefore} jobs ended (target {(target - endedBefore)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "not known yet"}), " +
                    $"{progress.SlotsHeld} slots held, {progress.Waiting} waiting.\n{logs()}");
            }
            await timer.WaitForNextTickAsync(cancellationToken);
        }
    }

    /// <summary>Waits until the job has ended (the probe runs one at a time); polls every 5 ms, a minute at most.</summary>
    public static async Task WaitEnded(SystemDatabase database, Guid jobId, Func<string> logs, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(StallTimeout.TotalSeconds * Stopwatch.Frequency);
        while (!SystemDatabase.IsTerminal(await database.Status(jobId, cancellationToken)))
        {
            if (Stopwatch.GetTimestamp() > deadline)
                throw new TimeoutException($"Job {jobId} did not end within {StallTimeout.TotalSeconds:0} s.\n{logs()}");
            await Task.Delay(5, cancellationToken);
        }
    }
}
