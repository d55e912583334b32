using System.Diagnostics;

namespace Jobs.Bench.Hangfire;

/// <summary>One run of the raw baseline: <see cref="TrueProcess.Run"/> from W threads, nothing else.</summary>
internal sealed record RawResult(string When, int Runs, int Threads, double Seconds, double RunsPerSecond);

/// <summary>
/// The physical bound of the throughput: how fast this machine starts and reaps <c>/bin/true</c> from W threads at
/// once, with the same code a Hangfire job runs and no queue, database or framework around it.
/// </summary>
internal static class RawBaseline
{
    public static RawResult Measure(string when, int runs, int threads)
    {
        // A few unrecorded runs first, so the JIT and the first fork are not in the figure.
        for (var i = 0; i < Math.Min(20, runs); i++)
            TrueProcess.Run();

        var next = -1;
        var failures = new List<Exception>();
        var begin = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            try
            {
                while (Interlocked.Increment(ref next) < runs)
                    TrueProcess.Run();
            }
            catch (InvalidOperationException ex)
            {
                lock (failures)
                    failures.Add(ex);
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());
        var seconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        if (failures.Count > 0)
            throw new AggregateException("The raw baseline failed.", failures);
        return new RawResult(when, runs, threads, seconds, runs / seconds);
    }
}
