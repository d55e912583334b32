using System.Diagnostics;
using System.Net;
using System.Text;

namespace Jobs.Bench.Gateway;

/// <summary>One request asked of one target: an endpoint, either through the gateway or straight to JobApi.</summary>
internal sealed class Variant(string endpoint, string target, HttpClient http, string path)
{
    int throttled;

    /// <summary>Which request: <see cref="GatewayBench.Job"/> or <see cref="GatewayBench.List"/>.</summary>
    public string Endpoint => endpoint;

    /// <summary>Who answers it: <see cref="GatewayBench.Direct"/> or <see cref="GatewayBench.Through"/>.</summary>
    public string Target => target;

    public string Path => path;

    public string Name => $"{endpoint} {target}";

    /// <summary>Every measured request's latency (ms), in the order they were sent.</summary>
    public List<double> SamplesMs { get; } = [];

    /// <summary>The wall-clock time the measured batches of this variant took, for its requests/s.</summary>
    public TimeSpan MeasuredTime { get; set; }

    /// <summary>Answers 429 (rate limited) that were waited out and sent again, warm-up and <see cref="Body"/> included.</summary>
    public int Throttled => throttled;

    /// <summary>Sends <paramref name="count"/> requests at once; returns each one's latency (ms).</summary>
    public Task<double[]> Batch(int count) => Task.WhenAll(Enumerable.Range(0, count).Select(_ => Send()));

    /// <summary>The body of one GET, read outside the measurement: to compare the targets and size the answers.</summary>
    public async Task<byte[]> Body() => (await GatewayBench.Get(http, path, CountThrottled)).Body;

    async Task<double> Send() => (await GatewayBench.Get(http, path, CountThrottled)).Ms;

    void CountThrottled() => Interlocked.Increment(ref throttled);
}

/// <summary>
/// Sends the same GETs through the gateway and straight to JobApi, interleaved in rounds whose order rotates, so that
/// a noisy neighbour or a slow phase of the machine hits every variant alike.
/// </summary>
internal static class GatewayBench
{
    public const string Job = "job";
    public const string List = "list";
    public const string Direct = "direct";
    public const string Through = "gateway";

    public const string ListPath = "/api/jobs?limit=10";

    /// <summary>How often a 429 is waited out before the benchmark gives up on the request.</summary>
    const int MaxThrottledTries = 50;

    public static string JobPath(Guid id) => $"/api/jobs/{id}";

    /// <summary>
    /// The four variants in the cyclic order the rounds rotate through. The two sides of a pair sit opposite each
    /// other in the cycle, so across every four rounds each goes first twice (with neighbours, the one after its
    /// partner would follow it in three rounds of four).
    /// </summary>
    public static List<Variant> Variants(HttpClient direct, HttpClient gateway, Guid jobId) =>
    [
        new(Job, Direct, direct, JobPath(jobId)),
        new(List, Direct, direct, ListPath),
        new(Job, Through, gateway, JobPath(jobId)),
        new(List, Through, gateway, ListPath),
    ];

    /// <summary>
    /// Warm-up rounds (unrecorded), then measured rounds until every variant has <paramref name="requests"/>
    /// latencies; a round sends one batch of up to <paramref name="concurrency"/> requests per variant, the variants
    /// one after another in an order that starts one later each round (ABCD, BCDA, CDAB, ...).
    /// </summary>
    public static async Task Measure(IReadOnlyList<Variant> variants, int requests, int warmup, int concurrency, TextWriter log)
    {
        var warmupRounds = (warmup + concurrency - 1) / concurrency;
        var measuredRounds = (requests + concurrency - 1) / concurrency;
        var rounds = warmupRounds + measuredRounds;
        var step = Math.Max(1, measuredRounds / 10);
        for (var round = 0; round < rounds; round++)
        {
            var measured = round >= warmupRounds;
            // The last measured round sends only what is still missing.
            var size = measured ? Math.Min(concurrency, requests - (round - warmupRounds) * concurrency) : concurrency;
            for (var i = 0; i < variants.Count; i++)
            {
                var variant = variants[(round + i) % variants.Count];
                var begin = Stopwatch.GetTimestamp();
                var latencies = await variant.Batch(size);
                if (measured)
                {
                    variant.MeasuredTime += Stopwatch.GetElapsedTime(begin);
                    variant.SamplesMs.AddRange(latencies);
                }
            }
            if (round == warmupRounds - 1)
                log.WriteLine($"  warm-up done ({warmupRounds} rounds)");
            else if (measured && ((round - warmupRounds + 1) % step == 0 || round + 1 == rounds))
                log.WriteLine($"  round {round - warmupRounds + 1}/{measuredRounds}");
        }
    }

    /// <summary>
    /// One GET: its latency (ms), timed from sending it until its whole body has been read, and that body. A 429 (a
    /// rate limit, where the system has one) is not a latency of the request: it is waited out (<c>Retry-After</c>,
    /// else 100 ms), reported to <paramref name="throttled"/>, and the request sent again. Anything else but a 200
    /// stops the benchmark.
    /// </summary>
    public static async Task<(double Ms, byte[] Body)> Get(HttpClient http, string path, Action? throttled = null)
    {
        for (var tries = 1; ; tries++)
        {
            var begin = Stopwatch.GetTimestamp();
            // The default completion option buffers the whole body before the call returns.
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            var elapsed = Stopwatch.GetElapsedTime(begin);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode == HttpStatusCode.OK)
                return (elapsed.TotalMilliseconds, body);
            if (response.StatusCode != HttpStatusCode.TooManyRequests || tries == MaxThrottledTries)
                throw new InvalidOperationException($"GET {new Uri(http.BaseAddress!, path)} {Answered(response.StatusCode, Encoding.UTF8.GetString(body))}");
            throttled?.Invoke();
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>"answered 401 (how to pass a token): body", the body cut at 300 characters.</summary>
    public static string Answered(HttpStatusCode status, string body)
    {
        var hint = status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? " (pass --token, set JOBS_TOKEN, or let scripts/run.sh write .local/admin.token)"
            : "";
        var shown = body.Length > 300 ? body[..300] + "..." : body;
        return $"answered {(int)status}{hint}: {shown}";
    }
}
