using System.Diagnostics;
using System.Runtime.InteropServices;
using Jobs.Bench.ControlPlane;
using Jobs.Testing;

var options = BenchOptions.Parse(args, Console.Error);
if (options is null)
    return 2;

var log = Console.Error;
var clock = Stopwatch.StartNew();
var root = RepositoryRoot.Path;
if (ServerEndpoints.FromVariables(Environment.GetEnvironmentVariable) is null && !UseInfraEnv(root))
{
    log.WriteLine("No servers: set JOBS_PG_* and JOBS_RMQ_* (`scripts/infra.sh up`, then `set -a; . .local/infra.env; set +a`).");
    return 2;
}
#if DEBUG
const string Configuration = "Debug";
#else
const string Configuration = "Release";
#endif
foreach (var service in new[] { "JobApi", "Scheduler", "LogSink", "Gateway" })
{
    var dll = Path.Combine(root, "services", service, "bin", Configuration, "net10.0", $"Jobs.{service}.dll");
    if (!File.Exists(dll))
    {
        log.WriteLine($"{dll} is missing: build the solution first with `dotnet build Jobs.sln -c {Configuration}`.");
        return 2;
    }
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Stop measuring, but let the services, the virtual hosts and the database be cleaned up.
    e.Cancel = true;
    stop.Cancel();
};
var cancellationToken = stop.Token;

// The bench measures what the control plane can carry, not the per-caller limits that protect it.
const string Unlimited = "1000000";
const string RateLimits = "rate limits raised to 1e6/s for the bench";
var everywhere = new Dictionary<string, string>
{
    ["RateLimits:PerTenant:TokenLimit"] = Unlimited,
    ["RateLimits:PerTenant:TokensPerSecond"] = Unlimited,
    ["RateLimits:PerClient:TokenLimit"] = Unlimited,
    ["RateLimits:PerClient:TokensPerSecond"] = Unlimited,
    ["Gateway:RateLimit:TokenLimit"] = Unlimited,
    ["Gateway:RateLimit:TokensPerSecond"] = Unlimited,
};

try
{
    var servers = await TestServers.Get();
    Say("starting JobApi, Scheduler, LogSink and the gateway (JobsSystem, no executors)");
    await using var system = await JobsSystem.Start(executors: 0, everywhere: everywhere);
    var output = Path.GetRelativePath(root, Path.GetDirectoryName(system.JobApi.LogPath)!);
    Say($"database {system.Database.Name}, virtual host {system.VirtualHost.Name}; service output in {output}");

    await using var database = new SystemDatabase(system.Database.CreateDataSource());
    using var counters = new ServerCounters(servers, system.VirtualHost.Name, system.Database.Name);
    await using var databaseProfile = DatabaseProfile.For(servers, system.Database.Name);
    await using var executors = await SimulatedExecutors.Start(servers, system.VirtualHost.Name, options.Executors, options.Slots, cancellationToken);
    await Eventually.Get(
        () => database.LiveExecutors(executors.Ids, cancellationToken), n => n == options.Executors, TimeSpan.FromSeconds(60),
        "the Scheduler to register the simulated executors");
    Say($"{options.Executors} simulated executors x {options.Slots} slots registered");

    using var http = system.CreateClient();
    var errors = new List<string>();

    // N jobs, C POSTs in flight, watched in the database from the first POST until every accepted one has ended.
    async Task<(SubmitRun Run, CompletionResult Done)> RunJobs(int count, long endedBefore)
    {
        long answered = 0;
        var began = Stopwatch.GetTimestamp();
        var submitting = Submitter.Run(http, count, options.Concurrency, () => Interlocked.Increment(ref answered), cancellationToken);
        var done = await Completion.Watch(database, began, submitting, () => Interlocked.Read(ref answered), endedBefore, system.Logs, Say, cancellationToken);
        return (await submitting, done);
    }

    if (options.WarmupJobs > 0)
    {
        Say($"warm-up: {options.WarmupJobs} jobs (not recorded)");
        var (warmup, done) = await RunJobs(options.WarmupJobs, (await database.Progress(cancellationToken)).Ended);
        if (warmup.Failed == options.WarmupJobs)
            throw new InvalidOperationException($"Every warm-up submit failed, e.g. {warmup.Submissions[0].StatusCode}: {warmup.Submissions[0].Error}");
        Say(FormattableString.Invariant($"warm-up: {options.WarmupJobs} jobs in {done.Seconds:0.00} s ({options.WarmupJobs / done.Seconds:0} jobs/s)"));
    }

    // The probe: one job at a time through an otherwise idle system, for the hops' own latencies.
    var probe = new List<Submission>();
    if (options.ProbeJobs > 0)
        Say($"probe: {options.ProbeJobs} jobs one at a time");
    for (var i = 0; i < options.ProbeJobs; i++)
    {
        var one = (await Submitter.Run(http, 1, 1, null, cancellationToken)).Submissions[0];
        probe.Add(one);
        if (one.JobId is { } id)
            await Completion.WaitEnded(database, id, system.Logs, cancellationToken);
        else
            errors.Add($"probe submit: {one.StatusCode} {one.Error}");
    }
    var quietSince = Stopwatch.GetTimestamp();

    // The bound, on a virtual host of its own while the system is idle; it also fills the wait for the counters.
    Say($"raw bound: {options.RawMessages} messages, {options.Concurrency} senders");
    var raw = await RawBound.Measure(servers, options.RawMessages, options.Concurrency, cancellationToken);
    Say(FormattableString.Invariant($"raw bound: {raw.MessagesPerSecond:0} msgs/s"));
    await CountersComplete(quietSince);

    var brokerBefore = await counters.Broker(cancellationToken);
    var databaseBefore = await counters.Database(cancellationToken);
    var queriesBefore = database.Queries;
    var tablesBefore = await database.TableWrites(cancellationToken);
    var endedBefore = (await database.Progress(cancellationToken)).Ended;
    executors.ResetMostRunning();
    var services = system.Services.Values.ToDictionary(s => s.ProcessId, s => s.Name);
    var loadBefore = BenchHost.LoadAverage();
    var cpuBefore = CpuMeter.Take(services, system.Database.Name);

    Say($"measuring: {options.Jobs} jobs, {options.Concurrency} POSTs in flight");
    var pollTimeBefore = database.PollTime;
    await databaseProfile.Start(cancellationToken);
    var (run, completion) = await RunJobs(options.Jobs, endedBefore);
    var profile = await databaseProfile.Stop(run.Accepted.Count(), cancellationToken);
    var pollSeconds = (database.PollTime - pollTimeBefore).TotalSeconds;
    var cpu = CpuMeter.Between(cpuBefore, CpuMeter.Take(services, system.Database.Name));
    var loadAfter = BenchHost.LoadAverage();
    var doneAt = Stopwatch.GetTimestamp();
    Say(FormattableString.Invariant($"measured: {completion.Samples.Count} polls, {run.Accepted.Count()} jobs ended in {completion.Seconds:0.00} s"));

    await CountersComplete(doneAt);
    var brokerAfter = await counters.Broker(cancellationToken);
    var databaseAfter = await counters.Database(cancellationToken);
    var benchQueries = database.Queries - queriesBefore;
    var tablesAfter = await database.TableWrites(cancellationToken);
    var pollCostMs = await database.ProgressCostMs(cancellationToken);

    // Where the time went, from the rows' timestamps.
    var accepted = run.Accepted.ToList();
    var measuredRows = await database.Times(accepted, cancellationToken);
    var probeRows = await database.Times([.. probe.Where(p => p.JobId is not null).Select(p => p.JobId!.Value)], cancellationToken);
    var measuredStages = Stages.Of(measuredRows, run.Submissions.Where(s => s.JobId is not null).ToDictionary(s => s.JobId!.Value), executors.ReceivedAt);
    var probeStages = Stages.Of(probeRows, probe.Where(s => s.JobId is not null).ToDictionary(s => s.JobId!.Value), executors.ReceivedAt);

    errors.AddRange(run.Submissions.Where(s => s.Error is not null).Select(s => $"submit {s.Index}: {s.StatusCode} {s.Error}").Take(20));
    errors.AddRange(measuredRows.Where(r => r.Status != "Succeeded").Select(r => $"job {r.JobId}: {r.Status}").Take(20));

    var jobsPerSecond = accepted.Count / completion.Seconds;
    var slotIndex = Stages.All.ToList().FindIndex(s => s.Name == "slot");
    var slotMeanMs = measuredStages.Where(j => j.Ms[slotIndex] is not null).Select(j => j.Ms[slotIndex]!.Value).DefaultIfEmpty(0).Average();
    var perJob = BenchReport.PerJobOf(brokerAfter - brokerBefore, databaseAfter - databaseBefore, benchQueries, tablesBefore, tablesAfter, accepted.Count);
    var host = new HostInfo(
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        await counters.PostgresVersion(cancellationToken),
        await counters.RabbitMqVersion(cancellationToken),
        loadBefore,
        loadAfter);
    var report = new BenchReport(
        DateTimeOffset.UtcNow,
        host,
        new Setup(
            options.Jobs,
            options.Concurrency,
            options.Executors,
            options.Slots,
            options.WarmupJobs,
            options.ProbeJobs,
            Submitter.Command,
            system.Gateway.BaseAddress.ToString(),
            system.Database.Name,
            system.VirtualHost.Name,
            system.Services.Values.ToDictionary(s => s.Name, s => s.ProcessId),
            RateLimits,
            output),
        new Throughput(
            run.Submissions.Count,
            accepted.Count,
            run.Failed,
            run.Throttled,
            completion.Succeeded - endedBefore,
            completion.EndedOtherwise,
            Math.Round(completion.Seconds, 3),
            Math.Round(jobsPerSecond, 1),
            Math.Round(run.Seconds, 3),
            Math.Round(run.Submissions.Count / run.Seconds, 1),
            Percentiles.Of(run.Submissions.Select(s => Math.Round(s.LatencyMs, 3))),
            Percentiles.Of(completion.Samples.Select(s => (double)s.SlotsHeld)),
            Percentiles.Of(completion.Samples.Select(s => (double)s.Waiting)),
            executors.Counters.MostRunningAtOnce,
            Math.Round(slotMeanMs, 1),
            Math.Round(slotMeanMs > 0 ? options.Executors * options.Slots / (slotMeanMs / 1000) : 0, 1),
            completion.Samples.Count,
            Math.Round(pollSeconds, 2),
            Math.Round(pollCostMs, 3)),
        perJob,
        BenchReport.BoundOf(raw, perJob, jobsPerSecond),
        Stages.Summarise(measuredStages, probeStages),
        cpu,
        profile,
        executors.Counters,
        errors,
        completion.Samples,
        [.. Stages.All.Select(s => s.Name)],
        measuredStages,
        probeStages);

    Console.WriteLine();
    Console.Write(report.Table());
    Console.WriteLine();
    Console.WriteLine($"results: {Path.GetRelativePath(Directory.GetCurrentDirectory(), report.Save(Path.Combine(root, "bench", "results")))}");
    return errors.Count == 0 && report.Throughput.Succeeded == accepted.Count ? 0 : 1;
}
catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
{
    Say("cancelled");
    return 130;
}

// The servers' counters lag (RabbitMQ's by its stats interval, PostgreSQL's by its idle flush): they are read only
// once that lag has passed since the last activity. A known bound of the servers, not a guess at completion.
async Task CountersComplete(long since)
{
    var wait = ServerCounters.Lag - Stopwatch.GetElapsedTime(since);
    if (wait <= TimeSpan.Zero)
        return;
    Say(FormattableString.Invariant($"waiting {wait.TotalSeconds:0.0} s for the servers' counters (RabbitMQ's stats interval 5 s, PostgreSQL's idle flush 10 s)"));
    await Task.Delay(wait, cancellationToken);
}

// Progress on stderr, with the seconds since the bench started.
void Say(string message) => log.WriteLine(FormattableString.Invariant($"[{clock.Elapsed.TotalSeconds,6:0.0} s] {message}"));

// The servers scripts/infra.sh wrote down, put into this process's environment (where TestServers looks) when the
// variables are not set in the shell.
static bool UseInfraEnv(string root)
{
    var file = Path.Combine(root, ".local", "infra.env");
    if (!File.Exists(file))
        return false;
    foreach (var line in File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.StartsWith("export ", StringComparison.Ordinal) && l.Contains('=', StringComparison.Ordinal)))
    {
        var pair = line["export ".Length..].Split('=', 2);
        Environment.SetEnvironmentVariable(pair[0], pair[1].Trim('"', '\''));
    }
    return ServerEndpoints.FromVariables(Environment.GetEnvironmentVariable) is not null;
}

// The 1, 5 and 15 minute load averages, to show how busy the shared machine was.

