using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Jobs.Bench.LogLatency;

/// <summary>The machine the numbers come from; its load average before and after says how busy it was.</summary>
internal sealed record HostInfo(int Cores, string Os, string Runtime, string? LoadBefore, string? LoadAfter);

/// <summary>The latencies of a set of lines (ms), whole and split where the pipeline can be observed.</summary>
internal sealed record LatencySplit(Percentiles? Total, Percentiles? Cut, Percentiles? Delivery)
{
    public static LatencySplit Of(IReadOnlyCollection<LineSample> samples) => new(
        Percentiles.Of(samples.Select(s => s.TotalMs)),
        Percentiles.Of(samples.Select(s => s.CutMs)),
        Percentiles.Of(samples.Select(s => s.DeliveryMs)));
}

/// <summary>One job's summary, next to its raw samples in <see cref="JobRun"/>.</summary>
internal sealed record JobSummary(int Index, Guid? JobId, string Status, LatencySplit Latency);

internal sealed record BenchReport(
    DateTimeOffset TimestampUtc,
    string Gateway,
    HostInfo Host,
    int Seconds,
    int Jobs,
    int WarmupSeconds,
    string Command,
    string Note,
    int LinesPrinted,
    int LinesLive,
    int HistoryLines,
    int MissingLines,
    int DuplicateLines,
    int OtherLines,
    int Chunks,
    double LinesPerChunk,
    LatencySplit Latency,
    IReadOnlyList<JobSummary> PerJob,
    IReadOnlyList<JobRun> Runs)
{
    public const string ChunkingNote =
        "the executor cuts a chunk when it holds 64 KiB or when its first byte is 200 ms old, so up to ~200 ms of the " +
        "latency (cut - printed) is the chunking window by design: at a line every 100 ms a chunk holds about two lines, " +
        "which wait ~200 and ~100 ms before they leave the executor";

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static BenchReport Of(BenchOptions options, HostInfo host, IReadOnlyList<JobRun> runs)
    {
        var samples = runs.SelectMany(r => r.Samples).ToList();
        var chunksWithLines = runs.Sum(r => r.Samples.Select(s => (s.Attempt, s.Seq)).Distinct().Count());
        return new BenchReport(
            DateTimeOffset.UtcNow,
            options.Gateway.ToString(),
            host,
            options.Seconds,
            options.Jobs,
            options.WarmupSeconds,
            LiveJob.Command(options.Seconds * LiveJob.LinesPerSecond),
            ChunkingNote,
            runs.Sum(r => r.LinesPrinted),
            samples.Count,
            runs.Sum(r => r.HistoryLines),
            runs.Sum(r => r.MissingLines),
            runs.Sum(r => r.DuplicateLines),
            runs.Sum(r => r.OtherLines),
            runs.Sum(r => r.Chunks),
            chunksWithLines > 0 ? Math.Round((double)samples.Count / chunksWithLines, 2) : 0,
            LatencySplit.Of(samples),
            [.. runs.Select(r => new JobSummary(r.Index, r.JobId, r.Status, LatencySplit.Of(r.Samples)))],
            runs);
    }

    /// <summary>Writes the report as <c>loglatency-yyyyMMdd-HHmmss.json</c> (UTC) into <paramref name="directory"/>; returns its path.</summary>
    public string Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"loglatency-{TimestampUtc.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
        return path;
    }

    /// <summary>The compact plain-text table.</summary>
    public string Table()
    {
        var text = new StringBuilder();
        var jobs = Jobs == 1 ? "1 job" : I($"{Jobs} jobs at once");
        Line(text, $"Log line-to-visible latency: {jobs}, each printing a line every 100 ms for {Seconds} s, followed live over SSE");
        Line(text, $"gateway {Gateway}; {(WarmupSeconds > 0 ? I($"an unrecorded {WarmupSeconds} s warm-up job first") : "no warm-up job")}");
        Line(text, $"host: {Host.Cores} cores, {Host.Os}, {Host.Runtime}; load {Host.LoadBefore ?? "?"} -> {Host.LoadAfter ?? "?"}");
        Line(text, $"lines: {LinesLive} timed of {LinesPrinted} printed; {HistoryLines} history (printed before the stream was asked for), {MissingLines} missing, {DuplicateLines} duplicate, {OtherLines} other");
        Line(text, $"chunks: {Chunks}, {LinesPerChunk:0.00} timed lines per chunk");
        text.Append('\n');
        Line(text, $"{"ms",-38} {"lines",6} {"p50",8} {"p95",8} {"p99",8} {"max",8}");
        Row(text, "total     received - printed", Latency.Total);
        Row(text, "  cut     chunk timestamp - printed", Latency.Cut);
        Row(text, "  deliver received - chunk timestamp", Latency.Delivery);
        text.Append('\n');
        Line(text, $"{"job",-4} {"status",-10} {"lines",6} {"history",7} {"missing",7} {"total p50",10} {"p99",8} {"max",8} {"deliver p50",12} {"submit",7} {"headers",7} {"started",8} {"1st line",9} {"conns",5}  {"id"}");
        foreach (var run in Runs)
        {
            var latency = PerJob.Single(j => j.Index == run.Index).Latency;
            Line(text, $"{run.Index,-4} {run.Status,-10} {run.Samples.Count,6} {run.HistoryLines,7} {run.MissingLines,7} {N(latency.Total?.P50),10} {N(latency.Total?.P99),8} {N(latency.Total?.Max),8} {N(latency.Delivery?.P50),12} {N(run.SubmitMs),7} {N(run.StreamHeadersMs),7} {N(run.StartedAfterSubmitMs),8} {N(run.FirstLineAfterSubmitMs),9} {run.Connections,5}  {run.JobId?.ToString() ?? "-"}");
            if (run.Error is not null)
                Line(text, $"     error: {run.Error}");
        }
        Line(text, $"  ms from sending the POST: submit = its answer, started = the job's startedAt, 1st line = the first timed line");
        Line(text, $"  received; headers = ms from the POST's answer until the stream's response headers arrived.");
        text.Append('\n');
        Line(text, $"note: {ChunkingNote}.");
        Line(text, $"      printed = the time `date +%s%N` read, a fork before the shell writes the line; received = when the chunk's event was read here.");
        return text.ToString();
    }

    static void Row(StringBuilder text, string name, Percentiles? p)
    {
        if (p is null)
            Line(text, $"{name,-38} {0,6} {"-",8} {"-",8} {"-",8} {"-",8}");
        else
            Line(text, $"{name,-38} {p.Count,6} {N(p.P50),8} {N(p.P95),8} {N(p.P99),8} {N(p.Max),8}");
    }

    static void Line(StringBuilder text, FormattableString line) => text.Append(I(line)).Append('\n');

    static string I(FormattableString text) => FormattableString.Invariant(text);

    static string N(double? ms) => ms is { } value ? value.ToString("0.0", CultureInfo.InvariantCulture) : "-";
}
