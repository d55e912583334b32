using System.Diagnostics;

namespace Jobs.Bench.Hangfire;

/// <summary>
/// When one job ran, as <see cref="Stopwatch.GetTimestamp"/> readings: on Linux that is CLOCK_MONOTONIC in
/// nanoseconds, one clock for every process of the machine, so a timestamp taken by the enqueuing process can be
/// compared with one taken by the worker process.
/// </summary>
internal readonly record struct JobRun(int Index, long EnqueuedAt, long StartedAt, long EndedAt);

/// <summary>Where a finished job is reported: the recorder of this process, or the pipe to the parent in worker mode.</summary>
internal interface IJobSink
{
    void Done(int phase, JobRun run);
}

/// <summary>
/// The job Hangfire runs: <c>/bin/true</c> as a job runner would run it. Public, because Hangfire only invokes public
/// methods of public types.
/// </summary>
#pragma warning disable CA1515 // Hangfire resolves the job's type and method by reflection; it must be public.
public static class BenchJob
#pragma warning restore CA1515
{
    static IJobSink? sink;

    internal static IJobSink Sink
    {
        set => sink = value;
    }

    /// <summary>
    /// Runs <c>/bin/true</c>; <paramref name="enqueuedAt"/> is the <see cref="Stopwatch.GetTimestamp"/> taken just
    /// before the enqueuing call, <paramref name="phase"/> tells the measured runs apart.
    /// </summary>
    public static void Run(int phase, int index, long enqueuedAt)
    {
        var started = Stopwatch.GetTimestamp();
        TrueProcess.Run();
        var ended = Stopwatch.GetTimestamp();
        (sink ?? throw new InvalidOperationException("No job sink is set in this process.")).Done(phase, new JobRun(index, enqueuedAt, started, ended));
    }
}

/// <summary>One run of <c>/bin/true</c>: started, its output redirected and read to the end, waited for.</summary>
internal static class TrueProcess
{
    public const string Program = "/bin/true";

    /// <summary>
    /// Synchronous, as a Hangfire job runs on a worker thread of its own; the raw baseline runs this same method, so
    /// the two differ only by what Hangfire adds around it.
    /// </summary>
    public static void Run()
    {
        using var process = new Process
        {
            StartInfo = new ProcessStartInfo(Program)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            },
        };
        process.Start();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        stderr.GetAwaiter().GetResult();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Program} exited with {process.ExitCode}.");
    }
}
