using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Jobs.Bench.Gateway;

/// <summary>The machine the numbers come from; its load average before and after says how noisy it was.</summary>
internal sealed record HostInfo(int Cores, string Os, string Runtime, string? LoadBefore, string? LoadAfter);

/// <summary>One variant's latencies (ms) and throughput; the samples are the measured latencies in the order they were sent.</summary>
internal sealed record VariantResult(
    string Name,
    string Endpoint,
    string Target,
    string Path,
    int ResponseBytes,
    Percentiles LatencyMs,
    double RequestsPerSecond,
    int Throttled,
    IReadOnlyList<double> SamplesMs);

/// <summary>What the gateway adds to one request: its latency through the gateway against straight to JobApi, measured in the same run.</summary>
internal sealed record GatewayCost(string Endpoint, string Path, double P50Ratio, double P99Ratio, double AddedP50Ms, double AddedP99Ms);

internal sealed record BenchReport(
    DateTimeOffset TimestampUtc,
    string Gateway,
    string JobApi,
    HostInfo Host,
    int RequestsPerVariant,
    int WarmupPerVariant,
    int Concurrency,
    string Order,
    string TokenSource,
    Guid JobId,
    string JobStatus,
    bool JobBodySame,
    IReadOnlyList<VariantResult> Variants,
    IReadOnlyList<GatewayCost> Costs)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string OrderDescription(int concurrency) =>
        I($"concurrency {concurrency}; variants interleaved in rounds whose order rotates (ABCD, BCDA, CDAB, ...), a pair's gateway and direct sides opposite in the cycle");

    public static VariantResult Summarise(Variant variant, int responseBytes) => new(
        variant.Name,
        variant.Endpoint,
        variant.Target,
        variant.Path,
        responseBytes,
        Percentiles.Require(variant.SamplesMs),
        variant.SamplesMs.Count / variant.MeasuredTime.TotalSeconds,
        variant.Throttled,
        [.. variant.SamplesMs.Select(ms => Math.Round(ms, 4))]);

    public static List<GatewayCost> CostsOf(IReadOnlyList<VariantResult> variants) =>
    [
        .. variants
            .Where(v => v.Target == GatewayBench.Through)
            .Select(gateway => (Gateway: gateway, Direct: variants.Single(v => v.Endpoint == gateway.Endpoint && v.Target == GatewayBench.Direct)))
            .Select(pair => new GatewayCost(
                pair.Gateway.Endpoint,
                pair.Gateway.Path,
                pair.Gateway.LatencyMs.P50 / pair.Direct.LatencyMs.P50,
                pair.Gateway.LatencyMs.P99 / pair.Direct.LatencyMs.P99,
                pair.Gateway.LatencyMs.P50 - pair.Direct.LatencyMs.P50,
                pair.Gateway.LatencyMs.P99 - pair.Direct.LatencyMs.P99)),
    ];

    /// <summary>Writes the report as <c>gateway-yyyyMMdd-HHmmss.json</c> (UTC) into <paramref name="directory"/>; returns its path.</summary>
    public string Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"gateway-{TimestampUtc.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
        return path;
    }

    /// <summary>The compact plain-text table.</summary>
    public string Table()
    {
        var text = new StringBuilder();
        Line(text, $"Gateway overhead: GET through the gateway vs straight to JobApi, {RequestsPerVariant} requests per variant after {WarmupPerVariant} warm-up");
        Line(text, $"({Order})");
        Line(text, $"gateway {Gateway}, jobapi {JobApi}; bearer token: {TokenSource}");
        var body = JobBodySame ? "the same body from both" : "DIFFERENT bodies from the two (are they one system?)";
        Line(text, $"job {JobId}: {SampleJob.Command}, {JobStatus}; {body}");
        Line(text, $"host: {Host.Cores} cores, {Host.Os}, {Host.Runtime}; load {Host.LoadBefore ?? "?"} -> {Host.LoadAfter ?? "?"}");
        text.Append('\n');
        Line(text, $"{"",-14} {"",-22} {"",6} {"ms"}");
        Line(text, $"{"variant",-14} {"request",-22} {"bytes",6} {"p50",8} {"p95",8} {"p99",8} {"mean",8} {"max",8} {"req/s",8}");
        foreach (var v in Variants)
            Line(text, $"{v.Name,-14} {Request(v.Path),-22} {v.ResponseBytes,6} {N(v.LatencyMs.P50),8} {N(v.LatencyMs.P95),8} {N(v.LatencyMs.P99),8} {N(v.LatencyMs.Mean),8} {N(v.LatencyMs.Max),8} {v.RequestsPerSecond,8:0.0}");
        Line(text, $"  latency: from sending the GET until its whole body was read; req/s: a variant's requests over the time its own batches took");
        foreach (var v in Variants.Where(v => v.Throttled > 0))
            Line(text, $"  {v.Name}: {v.Throttled} answers were 429 (rate limited), waited out and sent again; their waits are in req/s, not in the latencies");
        text.Append('\n');
        Line(text, $"{"gateway/direct",-14} {"request",-22} {"p50",8} {"p99",8} {"+p50 ms",8} {"+p99 ms",8}");
        foreach (var c in Costs)
            Line(text, $"{c.Endpoint,-14} {Request(c.Path),-22} {X(c.P50Ratio),8} {X(c.P99Ratio),8} {N(c.AddedP50Ms),8} {N(c.AddedP99Ms),8}");
        Line(text, $"  +ms: the gateway's percentile minus the direct one (a difference of percentiles, not a percentile of differences)");
        return text.ToString();
    }

    /// <summary>The request as the table shows it: the job's id as <c>{id}</c>.</summary>
    string Request(string path) => "GET " + path.Replace(JobId.ToString(), "{id}", StringComparison.Ordinal);

    static void Line(StringBuilder text, FormattableString line) => text.Append(I(line)).Append('\n');

    static string I(FormattableString text) => FormattableString.Invariant(text);

    static string N(double ms) => ms.ToString(Math.Abs(ms) < 10 ? "0.000" : "0.00", CultureInfo.InvariantCulture);

    static string X(double ratio) => ratio.ToString("0.00", CultureInfo.InvariantCulture) + "x";
}
