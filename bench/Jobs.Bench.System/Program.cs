using System.Runtime.InteropServices;
using Jobs.Bench.System;
using Jobs.Testing;

var options = BenchOptions.Parse(args, Console.Error);
if (options is null)
    return 2;
var log = Console.Error;

log.WriteLine($"starting the system: one executor of {options.Concurrency} slots");
await using var system = await JobsSystem.Start(
    executors: 1,
    slotsPerExecutor: options.Concurrency,
    // The bench measures the system, not its rate limits.
    everywhere: new Dictionary<string, string>(JobsSystem.UnlimitedRates) { ["Logging:LogLevel:Default"] = "Warning" });
var measure = new Measure(system, log);

log.WriteLine("warm-up: 50 jobs (not recorded)");
await measure.System(0, 50, options.Concurrency);
await Measure.Raw(0, 50, options.Concurrency);
// Let the services' start-up work (JIT, pools, GC) settle before reading their idle memory.
await Task.Delay(TimeSpan.FromSeconds(5));
var idle = measure.MemoryOfServices();

var loadBefore = BenchHost.LoadAverage();
var rounds = new List<ThroughputRound>();
var loaded = new Dictionary<string, double>();
void Sample()
{
    foreach (var (service, memory) in measure.MemoryOfServices())
        loaded[service] = Math.Max(loaded.GetValueOrDefault(service), memory.RssMiB);
}
// raw, Jobs, Jobs, raw, raw, Jobs, ...: each variant goes first as often as the other.
for (var round = 1; round <= options.Rounds; round++)
{
    var systemFirst = round % 2 == 0;
    log.WriteLine($"throughput round {round}: {options.Jobs} jobs");
    if (!systemFirst)
        rounds.Add(await Measure.Raw(round, options.Jobs, options.Concurrency));
    rounds.Add(await measure.System(round, options.Jobs, options.Concurrency, Sample));
    if (systemFirst)
        rounds.Add(await Measure.Raw(round, options.Jobs, options.Concurrency));
}
var raw = Median(rounds.Where(r => r.Variant.StartsWith("raw", StringComparison.Ordinal)).Select(r => r.JobsPerSecond));
var jobs = Median(rounds.Where(r => !r.Variant.StartsWith("raw", StringComparison.Ordinal)).Select(r => r.JobsPerSecond));

var dispatch = new List<DispatchResult>();
foreach (var rate in options.Rates)
{
    log.WriteLine($"dispatch latency: {rate}/s for {options.Seconds} s");
    dispatch.Add(await measure.Dispatch(rate, options.Seconds));
}

var backlog = options.Backlog > 0 ? await measure.Backlog(options.Backlog, 32) : null;
var loadAfter = BenchHost.LoadAverage();

var report = new BenchReport(
    DateTimeOffset.UtcNow,
    new HostInfo(Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, loadBefore, loadAfter),
    options, rounds, raw, jobs, jobs / raw, dispatch, backlog, idle, loaded);
Console.WriteLine();
Console.Write(report.Table());
Console.WriteLine();
Console.WriteLine($"results: {Path.GetRelativePath(Directory.GetCurrentDirectory(), report.Save(Path.Combine(RepositoryRoot.Path, "bench", "results")))}");
return rounds.Concat<object>(dispatch).Any(r => r is ThroughputRound { NotSucceeded: > 0 } or DispatchResult { NotSucceeded: > 0 }) || backlog?.NotSucceeded > 0 ? 1 : 0;

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

