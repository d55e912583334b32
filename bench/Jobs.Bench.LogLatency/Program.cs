using System.Runtime.InteropServices;
using Jobs.Bench.LogLatency;

var options = BenchOptions.Parse(args, Console.Error);
if (options is null)
    return 2;

var log = Console.Error;
using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
{
    BaseAddress = options.Gateway,
    // A live stream stays open as long as its job prints; each job has its own deadline instead.
    Timeout = Timeout.InfiniteTimeSpan,
};

var token = options.Token ?? Environment.GetEnvironmentVariable("JOBS_TOKEN")
    ?? (File.Exists(Path.Join(BenchHost.RepoRoot(), ".local", "admin.token")) ? File.ReadAllText(Path.Join(BenchHost.RepoRoot(), ".local", "admin.token")).Trim() : null);
if (token is not null)
    http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

if (!await Healthy(http))
{
    log.WriteLine($"The system does not answer at {options.Gateway} (GET /health). Start it with scripts/run.sh, or pass --gateway URL.");
    return 1;
}

if (options.WarmupSeconds > 0)
{
    log.WriteLine($"warm-up: one job of {options.WarmupSeconds} s (not recorded)");
    var warmup = await new LiveJob(http, 0, options.WarmupSeconds, log).Run(CancellationToken.None);
    if (warmup.Error is not null || warmup.Status != "Succeeded")
        log.WriteLine($"warm-up job: {warmup.Status}{(warmup.Error is null ? "" : ", " + warmup.Error)}");
}

log.WriteLine($"measuring: {options.Jobs} job(s) of {options.Seconds} s, a line every 100 ms");
var loadBefore = BenchHost.LoadAverage();
// All jobs are submitted at once; each opens its stream right after its own submit.
var runs = await Task.WhenAll(Enumerable.Range(1, options.Jobs)
    .Select(i => Task.Run(() => new LiveJob(http, i, options.Seconds, log).Run(CancellationToken.None))));
var loadAfter = BenchHost.LoadAverage();

var report = BenchReport.Of(
    options,
    new HostInfo(Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, loadBefore, loadAfter),
    runs);

Console.WriteLine();
Console.Write(report.Table());
Console.WriteLine();
Console.WriteLine($"results: {Path.GetRelativePath(Directory.GetCurrentDirectory(), report.Save(Path.Combine(BenchHost.RepoRoot(), "bench", "results")))}");
return report.LinesLive > 0 && runs.All(r => r.Error is null) ? 0 : 1;

static async Task<bool> Healthy(HttpClient http)
{
    try
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), timeout.Token);
        return response.IsSuccessStatusCode;
    }
    catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
    {
        return false;
    }
}

// Where results go: bench/results of the checkout this benchmark was built in (found by its Jobs.sln), or of the
// current directory's checkout when run from elsewhere.

// "1-min 5-min 15-min" from /proc/loadavg: how busy the shared machine was around the measured jobs.
