using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text.Json;
using Jobs.Bench.Gateway;

var options = BenchOptions.Parse(args, Console.Error);
if (options is null)
    return 2;

var root = BenchHost.RepoRoot();
var log = Console.Error;
var (token, tokenSource) = Token(options.Token, root);
using var gateway = Client(options.Gateway, token);
using var direct = Client(options.JobApi, token);

foreach (var (client, name, option) in new[] { (gateway, "gateway", "--gateway"), (direct, "JobApi", "--jobapi") })
{
    if (!await Healthy(client))
    {
        log.WriteLine($"The {name} does not answer at {client.BaseAddress} (GET /health). Start the system with scripts/run.sh, or pass {option} URL.");
        return 1;
    }
}
log.WriteLine($"bearer token: {tokenSource}");

BenchReport report;
try
{
    var (jobId, jobStatus) = await SampleJob.Run(gateway, log);
    var variants = GatewayBench.Variants(direct, gateway, jobId);
    // Once each, outside the measurement: the answers' sizes, and whether both targets give the job alike.
    var bodies = new Dictionary<Variant, byte[]>();
    foreach (var variant in variants)
        bodies[variant] = await variant.Body();
    var jobBodies = variants.Where(v => v.Endpoint == GatewayBench.Job).Select(v => bodies[v]).ToList();

    var order = BenchReport.OrderDescription(options.Concurrency);
    log.WriteLine($"measuring: {options.Requests} requests per variant after {options.Warmup} warm-up, {order}");
    var loadBefore = BenchHost.LoadAverage();
    await GatewayBench.Measure(variants, options.Requests, options.Warmup, options.Concurrency, log);
    var loadAfter = BenchHost.LoadAverage();

    // Shown by request, direct before gateway ("job" < "list", "direct" < "gateway"), not in the order of the cycle.
    var results = variants
        .OrderBy(v => v.Endpoint, StringComparer.Ordinal)
        .ThenBy(v => v.Target, StringComparer.Ordinal)
        .Select(v => BenchReport.Summarise(v, bodies[v].Length))
        .ToList();
    report = new BenchReport(
        DateTimeOffset.UtcNow,
        options.Gateway.ToString(),
        options.JobApi.ToString(),
        new HostInfo(Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, loadBefore, loadAfter),
        options.Requests,
        options.Warmup,
        options.Concurrency,
        order,
        tokenSource,
        jobId,
        jobStatus,
        jobBodies.All(b => b.AsSpan().SequenceEqual(jobBodies[0])),
        results,
        BenchReport.CostsOf(results));
}
catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or TaskCanceledException or JsonException)
{
    log.WriteLine($"failed: {ex.Message}");
    return 1;
}

Console.WriteLine();
Console.Write(report.Table());
Console.WriteLine();
Console.WriteLine($"results: {Path.GetRelativePath(Directory.GetCurrentDirectory(), report.Save(Path.Combine(root, "bench", "results")))}");
return 0;

// The bearer token sent on every request, and where it came from (the report names the source, never the token):
// --token, else $JOBS_TOKEN, else the admin token scripts/run.sh writes to .local/admin.token; without one, none is sent.
static (string? Token, string Source) Token(string? option, string root)
{
    if (option is not null)
        return (option, "--token");
    if (Environment.GetEnvironmentVariable("JOBS_TOKEN") is { Length: > 0 } variable)
        return (variable, "$JOBS_TOKEN");
    var file = Path.Join(root, ".local", "admin.token");
    if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } stored)
        return (stored, ".local/admin.token");
    return (null, "none");
}

// One client per target, each with its own connection pool, so both are measured on warm connections of their own.
static HttpClient Client(Uri baseAddress, string? token)
{
    // No proxy from the environment: the measured path is this machine's loopback, nothing in between.
    var http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5), UseProxy = false })
    {
        BaseAddress = baseAddress,
        // Far above any sane answer; a request this slow means something hangs, and the benchmark stops rather than waits.
        Timeout = TimeSpan.FromSeconds(30),
    };
    if (token is not null)
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    return http;
}

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

// The repository (the folder with Jobs.sln) above the built benchmark, else above the current directory.

// The 1, 5 and 15 minute load averages, to show how busy the shared machine was.
