using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Jobs.Testing;
using Xunit.Abstractions;

namespace Jobs.EndToEnd.Tests;

/// <summary>
/// 100 concurrent clients through the gateway for <c>JOBS_LOAD_SECONDS</c> (10 unless set), each mixing submits of short
/// jobs, reads, lists, log pages, raw logs and live log streams read to their end, on a system of its own with the rate
/// limits raised out of the way. No request may fail with a 5xx or a transport error, no service may grow past
/// <see cref="RssCap"/>, and every job submitted must end afterwards. Latencies, statuses and memory are written to the
/// test output and to <c>.local/reliability/load.md</c>.
/// </summary>
[Trait("Category", "Load")]
[Collection(Collection)]
public sealed class LoadTests(ITestOutputHelper output) : IAsyncLifetime
{
    public const string Collection = "load";

    const int Clients = 100;
    const string Tenant = "load";

    /// <summary>Jobs submitted but not yet seen ended: past this, clients read instead of submitting, so the queue stays one the executors drain.</summary>
    const int Backlog = 100;

    const long RssCap = 1L << 30;

    static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);
    static readonly TimeSpan RampUp = TimeSpan.FromSeconds(2);


    /// <summary>Operations and their weights in each client's mix.</summary>
    static readonly (string Name, int Weight)[] Mix = [("submit", 2), ("get", 3), ("list", 2), ("logs", 2), ("logs-raw", 2), ("sse", 1)];

    JobsSystem system = null!;
    readonly ConcurrentDictionary<string, ConcurrentBag<double>> latencies = new();
    readonly ConcurrentDictionary<(string Op, int Status), int> statuses = new();
    readonly ConcurrentDictionary<string, int> failures = new();
    readonly ConcurrentDictionary<Guid, bool> submitted = new();
    readonly ConcurrentDictionary<Guid, bool> ended = new();

    public async Task InitializeAsync() => system = await JobsSystem.Start(executors: 2, slotsPerExecutor: 8, everywhere: JobsSystem.UnlimitedRates);

    public async Task DisposeAsync() => await system.DisposeAsync();

    [Fact]
    public async Task HundredClients_MixedRequests_NoServerErrorBoundedMemoryAndEveryJobEnds()
    {
        await WarmUp();
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("JOBS_LOAD_SECONDS"), CultureInfo.InvariantCulture, out var s) ? s : 10;
        var seed = Environment.TickCount;
        using var sampler = new RssSampler(system.Services.Values.ToDictionary(p => p.Name, p => p.ProcessId));
        var idle = sampler.Sample();

        var clock = Stopwatch.StartNew();
        var until = DateTime.UtcNow.AddSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(1, Clients).Select(i => Client(i, new Random(seed + i), until)));
        var loadTime = clock.Elapsed;

        // Every job submitted ends; the backlog bound keeps this a short drain.
        using var reader = system.CreateClient(system.Token(Tenant, "viewer", "load-reader"));
        var jobs = new JobsClient(reader, system);
        var finals = new ConcurrentDictionary<string, int>();
        await Parallel.ForEachAsync(submitted.Keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, _) =>
        {
            var job = await jobs.WaitTerminal(id, TimeSpan.FromMinutes(3));
            finals.AddOrUpdate(job.GetProperty("status").GetString()!, 1, (_, n) => n + 1);
        });
        var drainTime = clock.Elapsed - loadTime;
        var peak = sampler.Stop();

        var report = Report(seconds, seed, loadTime, drainTime, idle, peak, finals);
        output.WriteLine(report);
        var directory = Path.Combine(RepositoryRoot.Path, ".local", "reliability");
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "load.md"), report);

        Assert.True(failures.IsEmpty, $"Requests failed without an answer: {string.Join(", ", failures.Select(f => $"{f.Key} ×{f.Value}"))}\n{system.Logs()}");
        Assert.DoesNotContain(statuses.Keys, k => k.Status >= 500);
        Assert.All(Mix, op => Assert.True(latencies.ContainsKey(op.Name), $"no {op.Name} was made"));
        Assert.All(peak, p => Assert.True(p.Value < RssCap, $"{p.Key} peaked at {p.Value / 1048576} MiB RSS, over the cap of {RssCap / 1048576} MiB"));
        Assert.Equal(submitted.Count, finals.Values.Sum());
        Assert.Equal(submitted.Count, finals.GetValueOrDefault("Succeeded"));
    }

    /// <summary>One of each operation first, unmeasured: what is measured is the running system, not its first requests (JIT, pools).</summary>
    async Task WarmUp()
    {
        using var http = system.CreateClient(system.Token(Tenant, "admin", "load-warm-up"));
        var mine = new List<Guid>();
        using var timeout = new CancellationTokenSource(RequestTimeout * 2);
        foreach (var (op, _) in Mix)
            await Call(http, op, mine.FirstOrDefault(), mine, timeout.Token);
        submitted.Clear();
        ended.Clear();
        await new JobsClient(http, system).WaitTerminal(mine[0]);
    }

    async Task Client(int number, Random random, DateTime until)
    {
        using var http = system.CreateClient(system.Token(Tenant, "admin", $"load-{number}"));
        // Clients join over the first two seconds, as real ones would, rather than as one burst of 100 connections at once.
        await Task.Delay(RampUp * number / Clients);
        var mine = new List<Guid>();
        var total = Mix.Sum(m => m.Weight);
        while (DateTime.UtcNow < until)
        {
            var pick = random.Next(total);
            var op = Mix.SkipWhile(m => (pick -= m.Weight) >= 0).First().Name;
            var backlogFull = submitted.Count - ended.Count >= Backlog;
            if (op == "submit" && backlogFull)
                op = "list";
            else if (op is not ("submit" or "list") && mine.Count == 0)
                op = backlogFull ? "list" : "submit";
            var id = mine.Count > 0 ? mine[random.Next(mine.Count)] : Guid.Empty;
            try
            {
                using var timeout = new CancellationTokenSource(op == "sse" ? RequestTimeout * 2 : RequestTimeout);
                var started = Stopwatch.GetTimestamp();
                var status = await Call(http, op, id, mine, timeout.Token);
                latencies.GetOrAdd(op, _ => []).Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                statuses.AddOrUpdate((op, status), 1, (_, n) => n + 1);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                failures.AddOrUpdate($"{op}: {ex.GetType().Name} {ex.Message}", 1, (_, n) => n + 1);
            }
        }
    }

    async Task<int> Call(HttpClient http, string op, Guid id, List<Guid> mine, CancellationToken cancellationToken)
    {
        switch (op)
        {
            case "submit":
            {
                using var response = await http.PostAsJsonAsync("/api/jobs", new { command = "/bin/echo", args = new[] { "load" } }, cancellationToken);
                if ((int)response.StatusCode == 201)
                {
                    var created = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                    var jobId = created.GetProperty("id").GetGuid();
                    mine.Add(jobId);
                    submitted[jobId] = true;
                }
                return (int)response.StatusCode;
            }
            case "get":
            {
                using var response = await http.GetAsync($"/api/jobs/{id}", cancellationToken);
                if ((int)response.StatusCode == 200)
                {
                    var job = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                    if (JobsClient.Terminal.Contains(job.GetProperty("status").GetString()))
                        ended[id] = true;
                }
                return (int)response.StatusCode;
            }
            case "sse":
                return await StreamToEnd(http, id, cancellationToken);
            default:
            {
                var path = op switch
                {
                    "list" => "/api/jobs?limit=20",
                    "logs" => $"/api/jobs/{id}/logs?limit=100",
                    _ => $"/api/jobs/{id}/logs/raw",
                };
                using var response = await http.GetAsync(path, cancellationToken);
                await response.Content.ReadAsByteArrayAsync(cancellationToken);
                return (int)response.StatusCode;
            }
        }
    }

    /// <summary>The live log read until its <c>end</c> event, which comes once the job has ended and its log is complete.</summary>
    async Task<int> StreamToEnd(HttpClient http, Guid id, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{id}/logs/stream");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if ((int)response.StatusCode != 200)
            return (int)response.StatusCode;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line == "event: end")
            {
                ended[id] = true;
                return 200;
            }
        }
        throw new IOException($"The log stream of job {id} closed without an end event.");
    }

    string Report(int seconds, int seed, TimeSpan loadTime, TimeSpan drainTime, Dictionary<string, long> idle, Dictionary<string, long> peak, ConcurrentDictionary<string, int> finals)
    {
        var requests = statuses.Values.Sum();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Load: {Clients} clients for {seconds} s through the gateway");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end; seed {seed}.");
        text.AppendLine(CultureInfo.InvariantCulture, $"{requests} requests in {loadTime.TotalSeconds:0.0} s ({requests / loadTime.TotalSeconds:0} per second); {submitted.Count} jobs submitted, all ended {drainTime.TotalSeconds:0.0} s after the load stopped ({string.Join(", ", finals.OrderBy(f => f.Key).Select(f => $"{f.Key} {f.Value}"))}).");
        text.AppendLine(CultureInfo.InvariantCulture, $"Failures without an answer: {failures.Values.Sum()}.");
        text.AppendLine();
        text.AppendLine("| operation | requests | statuses | p50 ms | p95 ms | p99 ms | max ms |");
        text.AppendLine("| --- | ---: | --- | ---: | ---: | ---: | ---: |");
        foreach (var (op, _) in Mix)
        {
            var sorted = latencies.TryGetValue(op, out var bag) ? bag.Order().ToArray() : [];
            var codes = string.Join(", ", statuses.Where(s => s.Key.Op == op).OrderBy(s => s.Key.Status).Select(s => $"{s.Key.Status} ×{s.Value}"));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {op} | {sorted.Length} | {codes} | {Percentile(sorted, 0.50):0} | {Percentile(sorted, 0.95):0} | {Percentile(sorted, 0.99):0} | {(sorted.Length > 0 ? sorted[^1] : 0):0} |");
        }
        text.AppendLine();
        text.AppendLine("SSE is timed to the `end` event, so it includes waiting for the job to run.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"| service | RSS idle MiB | RSS peak MiB (cap {RssCap / 1048576}) |");
        text.AppendLine("| --- | ---: | ---: |");
        foreach (var name in idle.Keys.Order())
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {idle[name] / 1048576.0:0} | {peak[name] / 1048576.0:0} |");
        return text.ToString();
    }

    static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>Reads every service's resident set (VmRSS) from <c>/proc</c> now, and keeps the highest of each every 250 ms until stopped.</summary>
    sealed class RssSampler : IDisposable
    {
        readonly Dictionary<string, int> pids;
        readonly Dictionary<string, long> peak = [];
        readonly CancellationTokenSource stop = new();
        readonly Task sampling;

        public RssSampler(Dictionary<string, int> pids)
        {
            this.pids = pids;
            sampling = Loop();
        }

        public Dictionary<string, long> Sample() => pids.ToDictionary(p => p.Key, p => Rss(p.Value));

        public Dictionary<string, long> Stop()
        {
            stop.Cancel();
            sampling.GetAwaiter().GetResult();
            return Record();
        }

        public void Dispose() => stop.Dispose();

        async Task Loop()
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
            try
            {
                do
                    Record();
                while (await timer.WaitForNextTickAsync(stop.Token));
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        Dictionary<string, long> Record()
        {
            lock (peak)
            {
                foreach (var (name, rss) in Sample())
                    peak[name] = Math.Max(peak.GetValueOrDefault(name), rss);
                return new Dictionary<string, long>(peak);
            }
        }

        static long Rss(int pid) =>
            File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
                .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024).Single();
    }
}

/// <summary>The load test runs alone, after the others: its 100 clients would otherwise slow whatever runs beside it on this host.</summary>
[CollectionDefinition(LoadTests.Collection, DisableParallelization = true)]
public sealed class LoadCollection;
