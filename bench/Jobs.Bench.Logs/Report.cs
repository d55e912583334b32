using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Jobs.Bench.Logs;

/// <summary>The machine and servers the numbers come from; the load average before and after says how noisy it was.</summary>
internal sealed record HostInfo(int Cores, string Os, string Runtime, string PostgreSql, string? RabbitMq, string? LoadBefore, string? LoadAfter);

/// <summary>What was run: the data, both variants' settings, and the LogSink build that was measured.</summary>
internal sealed record Setup(
    int ChunksPerRun,
    int ChunkBytes,
    long DataBytesPerRun,
    int Jobs,
    string Payload,
    int Rounds,
    int WarmupChunks,
    int WarmupPasses,
    string Order,
    int InFlight,
    int CopyBatchRows,
    string SinkBatching,
    string LogSinkDll,
    DateTime LogSinkDllWrittenUtc);

/// <summary>Rows per writing transaction in one run: for A the LogSink's real batches, for B rows per COPY.</summary>
internal sealed record BatchShape(int Count, int Min, int P50, double Mean, int Max, int Full)
{
    public static BatchShape Of(IReadOnlyCollection<int> sizes, int full)
    {
        var sorted = sizes.Order().ToArray();
        return new BatchShape(sorted.Length, sorted[0], Stats.Rank(sorted, 0.5), sorted.Average(), sorted[^1], sorted.Count(s => s == full));
    }
}

/// <summary>One measured run of one variant.</summary>
internal sealed record RunResult(
    int Round,
    string Variant,
    int Position,
    int Rows,
    long DataBytes,
    long StoredBytes,
    double Seconds,
    double MiBPerSecond,
    double MessagesPerSecond,
    BatchShape Batches,
    SinkTiming? Sink,
    CpuUse Cpu,
    RuntimeUse BenchRuntime);

internal sealed record VariantSummary(string Variant, string Path, double MedianMiBPerSecond, double MedianMessagesPerSecond, double MedianSeconds, IReadOnlyList<double> MiBPerSecond);

internal sealed record LogsReport(
    DateTimeOffset TimestampUtc,
    HostInfo Host,
    Setup Setup,
    IReadOnlyList<RunResult> Runs,
    IReadOnlyList<VariantSummary> Variants,
    double RatioOfMedians,
    IReadOnlyList<double> RatioPerRound,
    double Goal)
{
    public const string SinkPath = "A";
    public const string RawPath = "B";

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static LogsReport Create(DateTimeOffset timestamp, HostInfo host, Setup setup, IReadOnlyList<RunResult> runs, double goal)
    {
        VariantSummary Summarise(string variant, string path)
        {
            var own = runs.Where(r => r.Variant == variant).ToList();
            return new VariantSummary(
                variant,
                path,
                Stats.Median(own.Select(r => r.MiBPerSecond)),
                Stats.Median(own.Select(r => r.MessagesPerSecond)),
                Stats.Median(own.Select(r => r.Seconds)),
                [.. own.Select(r => r.MiBPerSecond)]);
        }

        var sink = Summarise(SinkPath, "publish -> RabbitMQ -> LogSink -> committed rows");
        var raw = Summarise(RawPath, "binary COPY straight into logs.log_chunks");
        var perRound = runs.GroupBy(r => r.Round)
            .Select(g => g.Single(r => r.Variant == SinkPath).MiBPerSecond / g.Single(r => r.Variant == RawPath).MiBPerSecond)
            .ToList();
        return new LogsReport(timestamp, host, setup, runs, [sink, raw], sink.MedianMiBPerSecond / raw.MedianMiBPerSecond, perRound, goal);
    }

    /// <summary>Writes the report as <c>logs-yyyyMMdd-HHmmss.json</c> (UTC) into <paramref name="directory"/>; returns its path.</summary>
    public string Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"logs-{TimestampUtc.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
        return path;
    }

    /// <summary>The compact plain-text table.</summary>
    public string Table()
    {
        var text = new StringBuilder();
        var s = Setup;
        Line(text, $"Log ingest: {MiB(s.DataBytesPerRun):0} MiB per run = {s.ChunksPerRun} chunks of {s.ChunkBytes / 1024} KiB over {s.Jobs} jobs, {s.Payload} payload; {s.Rounds} rounds after {s.WarmupPasses} warm-up passes of {MiB((long)s.WarmupChunks * s.ChunkBytes):0} MiB each");
        Line(text, $"({s.Order})");
        Line(text, $"host: {Host.Cores} cores, {Host.Os}, {Host.Runtime}; PostgreSQL {Host.PostgreSql}, RabbitMQ {Host.RabbitMq ?? "?"}; load {Host.LoadBefore ?? "?"} -> {Host.LoadAfter ?? "?"}");
        Line(text, $"A: publish (confirms, {s.InFlight} in flight) -> quorum queue -> LogSink process ({s.SinkBatching}) -> until count(*) = N");
        Line(text, $"B: one connection, binary COPY straight into logs.log_chunks, {s.CopyBatchRows} rows per COPY (its own transaction)");
        text.Append('\n');
        Line(text, $"{"",-9} {"",7} {"",7} {"",7} {"rows per transaction",-24} {"CPU seconds during the run"}");
        Line(text, $"{"round",-5} {"run",-3} {"seconds",7} {"MiB/s",7} {"msgs/s",7} {"count",5} {"p50",5} {"mean",6} {"max",5} {"bench",6} {"sink",6} {"pg",6} {"rmq",6} {"other",6} {"iowait",6} {"cores",5}");
        foreach (var r in Runs)
        {
            var b = r.Batches;
            var c = r.Cpu;
            Line(text, $"{r.Round,-5} {r.Variant,-3} {r.Seconds,7:0.00} {r.MiBPerSecond,7:0.0} {r.MessagesPerSecond,7:0} {b.Count,5} {b.P50,5} {b.Mean,6:0.0} {b.Max,5} {c.Bench,6:0.0} {c.LogSink,6:0.0} {c.Postgres,6:0.0} {c.RabbitMq,6:0.0} {c.Other,6:0.0} {c.IoWait,6:0.0} {c.BusyCores,5:0.00}");
        }
        text.Append('\n');
        foreach (var v in Variants)
            Line(text, $"median {v.Variant}: {v.MedianMiBPerSecond,7:0.0} MiB/s {v.MedianMessagesPerSecond,7:0} msgs/s {v.MedianSeconds,7:0.00} s   ({v.Path})");
        Line(text, $"ratio A/B: {RatioOfMedians:0.00} (of the medians; goal >= {Goal:0.0}); per round {string.Join(' ', RatioPerRound.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}");
        var sink = Runs.Where(r => r.Sink is not null).ToList();
        if (sink.Count > 0)
        {
            var publishShare = Stats.Median(sink.Select(r => r.Sink!.PublishSeconds / r.Seconds));
            var committedShare = Stats.Median(sink.Select(r => (double)r.Sink!.CommittedWhenPublished / r.Rows));
            var backlog = Stats.Median(sink.Select(r => (double)r.Sink!.MaxBacklog));
            Line(text, $"A: all publishes confirmed at {publishShare:0%} of the run (median), {committedShare:0%} of the rows committed by then; most confirmed-but-uncommitted chunks {backlog:0} (median of the runs' max)");
        }
        var stored = Stats.Median(Runs.Select(r => (double)r.StoredBytes));
        Line(text, $"stored: {MiB(s.DataBytesPerRun):0} MiB of chunk data take {MiB((long)stored):0} MiB on disk (table + TOAST + index); MiB = 2^20 bytes of chunk data");
        return text.ToString();
    }

    static double MiB(long bytes) => bytes / (1024.0 * 1024.0);

    static void Line(StringBuilder text, FormattableString line) => text.Append(FormattableString.Invariant(line)).Append('\n');
}

internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
            throw new ArgumentException("No values.", nameof(values));
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>Nearest rank: a value that occurred, never an interpolation.</summary>
    public static int Rank(int[] sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}
