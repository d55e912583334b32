using System.Runtime.InteropServices;
using Jobs.Bench.Executor;
using Jobs.Executor.Execution;

var options = BenchOptions.Parse(args, Console.Error);
if (options is null)
    return 2;

var root = BenchHost.RepoRoot();
var log = Console.Error;
var loadBefore = BenchHost.LoadAverage();

// Cgroups: found the way the executor finds them; the attempt cgroup is probed once to say which limits it enforces.
var cgroups = Cgroups.Detect();
string? cgroupSkipped = null;
IReadOnlyList<string> enforced = [];
if (cgroups.Version is null)
{
    cgroupSkipped = $"Cgroups.Detect() found no usable cgroups ({cgroups}); run as root on a host with writable cgroups to measure it.";
    log.WriteLine($"cgroups: {cgroupSkipped}");
}
else
{
    var probe = cgroups.Create($"bench-probe-{Guid.NewGuid():N}", LatencyBench.Limits)!;
    enforced = probe.Enforced;
    await probe.Remove();
}

log.WriteLine($"latency: {options.Runs} runs per variant, {options.Warmup} warm-up rounds, {BenchReport.OrderDescription}");
var workDir = Directory.CreateTempSubdirectory("jobs-bench-executor-").FullName;
List<Variant> variants;
try
{
    variants = LatencyBench.Variants(workDir, cgroups.Version is null ? null : cgroups);
    await LatencyBench.Measure(variants, options.Runs, options.Warmup, log);
}
finally
{
    Directory.Delete(workDir, recursive: true);
}
var loadAfter = BenchHost.LoadAverage();

log.WriteLine("idle memory of the executor daemon:");
var dll = options.ExecutorDll ?? Path.Combine(root, "services", "Executor", "bin", "Release", "net10.0", "Jobs.Executor.dll");
var idle = await IdleMemory.Measure(dll, options.IdleSettle, log);

var results = variants.Select(BenchReport.Summarise).ToList();
var report = new BenchReport(
    DateTimeOffset.UtcNow,
    new HostInfo(Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, cgroups.ToString(), enforced, loadBefore, loadAfter),
    options.Runs,
    options.Warmup,
    BenchReport.OrderDescription,
    cgroupSkipped,
    results,
    BenchReport.RatiosOf(results),
    idle);

Console.WriteLine();
Console.Write(report.Table());
Console.WriteLine();
Console.WriteLine($"results: {Path.GetRelativePath(Directory.GetCurrentDirectory(), report.Save(Path.Combine(root, "bench", "results")))}");
return 0;

// The repository (the folder with Jobs.sln) above the built benchmark, else above the current directory.

// The 1, 5 and 15 minute load averages, to show how busy the shared machine was.
