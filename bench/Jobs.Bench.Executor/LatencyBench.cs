using System.Diagnostics;
using Jobs.Contracts;
using Jobs.Executor.Execution;

namespace Jobs.Bench.Executor;

/// <summary>
/// One measured run, in milliseconds from the moment the attempt began: until its process was running, and until
/// everything was done (for the cgroup variant including the cgroup's creation and removal, which are also given apart).
/// </summary>
internal readonly record struct Sample(double StartedMs, double TotalMs, double? CgroupCreateMs = null, double? CgroupRemoveMs = null, bool CgroupLeftBehind = false);

/// <summary>One way of running <c>/bin/true</c>, and what its measured runs took.</summary>
internal sealed class Variant(string name, string startedMeans, Func<Task<Sample>> run)
{
    public string Name => name;

    /// <summary>What the "started" latency of this variant is measured to.</summary>
    public string StartedMeans => startedMeans;

    public List<Sample> Samples { get; } = [];

    public Task<Sample> Run() => run();
}

/// <summary>
/// Runs the variants at concurrency 1, interleaved in rounds whose order rotates (ABC, BCA, CAB, ...), so that a noisy
/// neighbour or a slow phase of the machine hits every variant alike and no variant always follows the same other one.
/// </summary>
internal static class LatencyBench
{
    public const string Raw = "raw";
    public const string Runner = "runner";
    public const string RunnerWithCgroup = "runner+cgroup";

    const string Program = "/bin/true";

    /// <summary>Far above any sane run; a run this slow means something hangs, and the benchmark stops rather than waits.</summary>
    static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    static readonly JobSpec Spec = new(Program, [], false, "default");

    /// <summary>What the cgroup variant asks for, as a job with limits would.</summary>
    public static readonly ResourceLimits Limits = new() { MemoryMb = 256, Pids = 100 };

    public static List<Variant> Variants(string workDir, Cgroups? cgroups)
    {
        var variants = new List<Variant>
        {
            new(Raw, "Process.Start returned", RunRaw),
            new(Runner, "started callback", () => RunRunner(workDir)),
        };
        if (cgroups is not null)
            variants.Add(new(RunnerWithCgroup, "started callback (from before the cgroup was made)", () => RunRunnerWithCgroup(workDir, cgroups)));
        return variants;
    }

    public static async Task Measure(IReadOnlyList<Variant> variants, int runs, int warmup, TextWriter log)
    {
        var rounds = warmup + runs;
        var step = Math.Max(1, rounds / 10);
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < variants.Count; i++)
            {
                var variant = variants[(round + i) % variants.Count];
                var sample = await variant.Run().WaitAsync(RunTimeout);
                if (round >= warmup)
                    variant.Samples.Add(sample);
            }
            if (round == warmup - 1)
                log.WriteLine($"  warm-up done ({warmup} rounds)");
            else if ((round + 1) % step == 0 || round + 1 == rounds)
                log.WriteLine($"  round {round + 1}/{rounds}");
        }
    }

    /// <summary>The baseline: the same process started straight from .NET, output redirected and read to its end.</summary>
    static async Task<Sample> RunRaw()
    {
        var begin = Stopwatch.GetTimestamp();
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
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        await process.WaitForExitAsync();
        var end = Stopwatch.GetTimestamp();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Raw}: {Program} exited with {process.ExitCode}.");
        return new Sample(Ms(begin, started), Ms(begin, end));
    }

    static async Task<Sample> RunRunner(string workDir)
    {
        var begin = Stopwatch.GetTimestamp();
        var started = 0L;
        var result = await ProcessRunner.Run(
            Spec,
            workDir,
            new AttemptControl(),
            _ =>
            {
                started = Stopwatch.GetTimestamp();
                return Task.CompletedTask;
            },
            Discard,
            CancellationToken.None,
            cgroup: null,
            policy: ExecutionPolicy.Unrestricted);
        var end = Stopwatch.GetTimestamp();
        Check(Runner, result, started);
        return new Sample(Ms(begin, started), Ms(begin, end));
    }

    /// <summary>As an attempt with limits runs: its own cgroup made before the process starts and removed after it ends.</summary>
    static async Task<Sample> RunRunnerWithCgroup(string workDir, Cgroups cgroups)
    {
        var begin = Stopwatch.GetTimestamp();
        var cgroup = cgroups.Create($"bench-{Guid.NewGuid():N}", Limits)
            ?? throw new InvalidOperationException("Cgroups.Create made no cgroup although limits were asked for.");
        var created = Stopwatch.GetTimestamp();
        var started = 0L;
        AttemptResult result;
        long finished;
        try
        {
            result = await ProcessRunner.Run(
                Spec,
                workDir,
                new AttemptControl(),
                _ =>
                {
                    started = Stopwatch.GetTimestamp();
                    return Task.CompletedTask;
                },
                Discard,
                CancellationToken.None,
                cgroup: cgroup,
                policy: ExecutionPolicy.Unrestricted);
        }
        finally
        {
            finished = Stopwatch.GetTimestamp();
            await cgroup.Remove();
        }
        var end = Stopwatch.GetTimestamp();
        Check(RunnerWithCgroup, result, started);
        // Remove gives up quietly after its retries; a cgroup still there means the measured removal did not finish.
        var leftBehind = cgroup.ProcsFiles.Any(file => Directory.Exists(Path.GetDirectoryName(file)));
        return new Sample(Ms(begin, started), Ms(begin, end), Ms(begin, created), Ms(finished, end), leftBehind);
    }

    static Task Discard(int seq, OutputPiece piece) => Task.CompletedTask;

    static void Check(string variant, AttemptResult result, long started)
    {
        if (result is not { ExitCode: 0, Error: null, End: AttemptEnd.Exited } || started == 0)
            throw new InvalidOperationException($"{variant}: {Program} did not run cleanly: {result}");
    }

    static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
}
