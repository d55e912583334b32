using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Jobs.Bench.Hangfire;

/// <summary>The machine and software the numbers come from; the load average before and after says how busy it was.</summary>
internal sealed record HostInfo(
    int Cores,
    string Os,
    string Runtime,
    string HangfireCore,
    string HangfirePostgreSql,
    string Npgsql,
    string PostgreSql,
    string? LoadBefore,
    string? LoadAfter);

/// <summary>
/// The burst: N jobs enqueued at once by E threads. Seconds run from the first enqueue until the last job ended;
/// <c>EnqueueSeconds</c> until the last enqueue call returned. <c>WaitMs</c> is each job's submit → start (mostly
/// time in the queue behind the others).
/// </summary>
internal sealed record ThroughputResult(
    int Jobs,
    int Enqueuers,
    double Seconds,
    double JobsPerSecond,
    double EnqueueSeconds,
    double EnqueuedPerSecond,
    Percentiles? EnqueueCallMs,
    Percentiles? WaitMs,
    int Duplicates)
{
    /// <summary>Jobs/s over the raw baseline's runs/s (the mean of its two runs).</summary>
    public double? RatioToRaw { get; set; }
}

/// <summary>
/// The offered load: jobs enqueued one by one on a fixed schedule. Submit → start runs from just before the enqueue
/// call to the first line of the job method; <c>EnqueueCallMs</c> is the call itself, <c>RunMs</c> the job's body
/// (<c>/bin/true</c>); <c>MaxBehindScheduleMs</c> says whether the enqueuing kept up with the schedule.
/// </summary>
internal sealed record LatencyResult(
    int Jobs,
    double OfferedRate,
    double AchievedRate,
    double MaxBehindScheduleMs,
    Percentiles? SubmitToStartMs,
    Percentiles? EnqueueCallMs,
    Percentiles? RunMs,
    int Duplicates,
    IReadOnlyList<double> SubmitToStartSamplesMs);

/// <summary>Hangfire's own counts at the end of a configuration (its monitoring API), against the jobs the bench enqueued.</summary>
internal sealed record HangfireCounts(long Expected, long Succeeded, long Failed, long Enqueued, long Processing, long Scheduled);

/// <summary>One configuration's results; a failed one keeps what it measured before the error.</summary>
internal sealed class ConfigurationResult(string key, string name, bool twoProcesses, bool tuned, IReadOnlyList<string> settings, string schema)
{
    public string Key => key;
    public string Name => name;
    public bool TwoProcesses => twoProcesses;
    public bool Tuned => tuned;
    public IReadOnlyList<string> Settings => settings;
    public string Schema => schema;
    public double SchemaMs { get; set; }
    public double ServerStartMs { get; set; }
    public int? WorkerProcessId { get; set; }
    public double WarmupSeconds { get; set; }
    public ThroughputResult? Throughput { get; set; }
    public LatencyResult? Latency { get; set; }
    public HangfireCounts? Counts { get; set; }
    public string? Error { get; set; }
}

internal sealed record BenchReport(
    DateTimeOffset TimestampUtc,
    HostInfo Host,
    int Jobs,
    int Workers,
    int Enqueuers,
    double Rate,
    int Seconds,
    int Warmup,
    bool Quick,
    IReadOnlyList<string> ProcessSettings,
    IReadOnlyList<RawResult> Raw,
    IReadOnlyList<ConfigurationResult> Configurations)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The mean runs/s of the raw baseline's runs: the bound the throughput ratios are taken against.</summary>
    public double RawRunsPerSecond => Raw.Count > 0 ? Raw.Average(r => r.RunsPerSecond) : double.NaN;

    /// <summary>Fills in every configuration's throughput ratio to the raw baseline.</summary>
    public BenchReport WithRatios()
    {
        foreach (var configuration in Configurations)
        {
            if (configuration.Throughput is { } throughput)
                throughput.RatioToRaw = throughput.JobsPerSecond / RawRunsPerSecond;
        }
        return this;
    }

    /// <summary>Writes the report as <c>hangfire-yyyyMMdd-HHmmss.json</c> (UTC) into <paramref name="directory"/>; returns its path.</summary>
    public string Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"hangfire-{TimestampUtc.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
        return path;
    }

    /// <summary>The compact plain-text table.</summary>
    public string Table()
    {
        var text = new StringBuilder();
        Line(text, $"Hangfire {Host.HangfireCore} with Hangfire.PostgreSql {Host.HangfirePostgreSql} (Npgsql {Host.Npgsql}) on PostgreSQL {Host.PostgreSql}");
        Line(text, $"jobs run {TrueProcess.Program} (Process.Start, output read to the end, WaitForExit); {Workers} workers{(Quick ? "; --quick" : "")}");
        Line(text, $"host: {Host.Cores} cores, {Host.Os}, {Host.Runtime}; load {Host.LoadBefore ?? "?"} -> {Host.LoadAfter ?? "?"}");
        var raw = string.Join(", ", Raw.Select(r => I($"{r.RunsPerSecond:0.0}/s {r.When}")));
        Line(text, $"raw Process.Start(\"{TrueProcess.Program}\") from {Workers} threads, {Jobs} runs: {raw} (mean {RawRunsPerSecond:0.0}/s, the bound)");
        text.Append('\n');
        var burst = I($"throughput: {Jobs} jobs, {Enqueuers} enqueuers");
        var load = I($"submit -> start ms: {Rate:0.##}/s for {Seconds} s");
        Line(text, $"{"",-24} {burst,-39} {load}");
        Line(text, $"{"configuration",-24} {"jobs/s",7} {"x raw",7} {"enq/s",7} {"wait p50",9} {"dup",4}  {"jobs",5} {"p50",8} {"p95",8} {"p99",8} {"max",8} {"enq p50",8} {"dup",4}");
        foreach (var c in Configurations)
        {
            var t = c.Throughput;
            var l = c.Latency;
            var burstColumns = t is null
                ? I($"{"-",7} {"-",7} {"-",7} {"-",9} {"-",4}")
                : I($"{t.JobsPerSecond,7:0.0} {X(t.RatioToRaw),7} {t.EnqueuedPerSecond,7:0} {N(t.WaitMs?.P50),9} {t.Duplicates,4}");
            var latencyColumns = l is null
                ? I($"{"-",5} {"-",8} {"-",8} {"-",8} {"-",8} {"-",8} {"-",4}")
                : I($"{l.Jobs,5} {N(l.SubmitToStartMs?.P50),8} {N(l.SubmitToStartMs?.P95),8} {N(l.SubmitToStartMs?.P99),8} {N(l.SubmitToStartMs?.Max),8} {N(l.EnqueueCallMs?.P50),8} {l.Duplicates,4}");
            Line(text, $"{c.Key + ") " + c.Name,-24} {burstColumns}  {latencyColumns}");
        }
        text.Append('\n');
        foreach (var c in Configurations)
        {
            var counts = c.Counts is { } k
                ? I($"Hangfire counts {k.Succeeded} succeeded of {k.Expected} enqueued, {k.Failed} failed, {k.Enqueued} enqueued, {k.Processing} processing, {k.Scheduled} scheduled")
                : "no Hangfire counts";
            var latency = c.Latency is { } l
                ? I($"; offered {l.AchievedRate:0.00}/s (at most {l.MaxBehindScheduleMs:0.0} ms behind schedule), enqueue p99 {N(l.EnqueueCallMs?.P99)} ms, job body p50 {N(l.RunMs?.P50)} ms")
                : "";
            Line(text, $"{c.Key}) schema install {c.SchemaMs:0} ms, server start {c.ServerStartMs:0} ms, warm-up {c.WarmupSeconds:0.0} s{latency}");
            Line(text, $"   {counts}");
            if (c.Error is not null)
                Line(text, $"   FAILED: {c.Error}");
        }
        text.Append('\n');
        Line(text, $"every configuration: {string.Join("; ", ProcessSettings)}; WorkerCount = {Workers}, other server options at their defaults");
        var defaults = Configurations.FirstOrDefault(c => !c.Tuned);
        var tuned = Configurations.FirstOrDefault(c => c.Tuned);
        if (defaults is not null)
            Line(text, $"defaults: {string.Join("; ", defaults.Settings)}");
        if (tuned is not null)
            Line(text, $"tuned: {string.Join("; ", tuned.Settings)}");
        Line(text, $"in-process: the bench enqueues and runs the server; 2 processes: the bench only enqueues, a worker process (this executable with --worker) runs the server");
        Line(text, $"wait p50 = submit -> start in the burst (queueing behind the others); enq = the enqueue call; dup = jobs reported twice");
        return text.ToString();
    }

    static void Line(StringBuilder text, FormattableString line) => text.Append(I(line)).Append('\n');

    static string I(FormattableString text) => FormattableString.Invariant(text);

    static string N(double? ms) => ms is { } value ? value.ToString(value < 100 ? "0.0" : "0", CultureInfo.InvariantCulture) : "-";

    static string X(double? ratio) => ratio is { } value ? value.ToString(value < 0.1 ? "0.000" : "0.00", CultureInfo.InvariantCulture) + "x" : "-";
}
