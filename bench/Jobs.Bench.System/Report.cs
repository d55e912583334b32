using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Jobs.Bench.System;

/// <summary>The machine the numbers come from; its load average before and after says how noisy it was.</summary>
internal sealed record HostInfo(int Cores, string Os, string Runtime, string? LoadBefore, string? LoadAfter);

internal sealed record BenchReport(
    DateTimeOffset TimestampUtc,
    HostInfo Host,
    BenchOptions Options,
    IReadOnlyList<ThroughputRound> Throughput,
    double RawJobsPerSecond,
    double SystemJobsPerSecond,
    double ThroughputRatio,
    IReadOnlyList<DispatchResult> Dispatch,
    BacklogResult? Backlog,
    IReadOnlyDictionary<string, Memory> IdleMemory,
    IReadOnlyDictionary<string, double> LoadedRssMiB)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string Table()
    {
        var t = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        t.AppendLine(c, $"Jobs.Bench.System {TimestampUtc:yyyy-MM-dd HH:mm} UTC; {Host.Cores} cores, {Host.Os}, {Host.Runtime}; load {Host.LoadBefore} → {Host.LoadAfter}");
        t.AppendLine();
        t.AppendLine(c, $"Throughput: {Options.Jobs} × /bin/true at concurrency {Options.Concurrency} ({Options.Rounds} round(s) each, interleaved)");
        t.AppendLine("| variant | round | seconds | jobs/s | submit s | not succeeded |");
        t.AppendLine("|---|---|---|---|---|---|");
        foreach (var r in Throughput)
            t.AppendLine(c, $"| {r.Variant} | {r.Round} | {r.Seconds:0.00} | {r.JobsPerSecond:0.0} | {(r.SubmitSeconds is { } s ? s.ToString("0.00", c) : "")} | {r.NotSucceeded} |");
        t.AppendLine(c, $"| **ratio Jobs / raw** (medians) | | | **{ThroughputRatio:0.000}** ({SystemJobsPerSecond:0.0} / {RawJobsPerSecond:0.0}) | | goal ≥ 0.8 |");
        t.AppendLine();
        t.AppendLine("Dispatch latency at a fixed offered load, ms from sending the POST (open loop)");
        t.AppendLine("| offered/s | achieved/s | jobs | POST answered p50/p99 | started p50 / p95 / p99 | terminal p50 / p95 / p99 | not succeeded |");
        t.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var d in Dispatch)
        {
            t.AppendLine(c, $"| {d.RatePerSecond} | {d.AchievedRate:0.0} | {d.Jobs} | {d.SubmitAnsweredMs.P50:0.0} / {d.SubmitAnsweredMs.P99:0.0} | {d.StartedMs.P50:0.0} / {d.StartedMs.P95:0.0} / {d.StartedMs.P99:0.0} | {d.TerminalMs.P50:0.0} / {d.TerminalMs.P95:0.0} / {d.TerminalMs.P99:0.0} | {d.NotSucceeded} |");
        }
        t.AppendLine("(goal at 5/s: started p50 ≤ 10 ms, p99 ≤ 50 ms)");
        if (Backlog is { } b)
        {
            t.AppendLine();
            t.AppendLine(c, $"Backlog: {b.Jobs} jobs queued with the executor stopped: submitted at {b.SubmitPerSecond:0.0}/s; drained in {b.DrainSeconds:0.0} s from the executor's start ({b.DrainPerSecond:0.0} jobs/s; {b.DrainFromHealthySeconds:0.0} s after it was healthy) — {b.DrainPerSecond / SystemJobsPerSecond:0.00} × the steady-state rate; not succeeded {b.NotSucceeded}");
        }
        t.AppendLine();
        t.AppendLine("Memory (MiB): RSS idle, highest RSS seen under the throughput load, peak (VmHWM) after the backlog");
        t.AppendLine("| service | idle RSS | loaded RSS | peak |");
        t.AppendLine("|---|---|---|---|");
        foreach (var (service, idle) in IdleMemory.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            var peak = Backlog?.PeakMemory.TryGetValue(service, out var p) == true ? p.PeakMiB.ToString("0.0", c) : "";
            t.AppendLine(c, $"| {service} | {idle.RssMiB:0.0} | {LoadedRssMiB.GetValueOrDefault(service):0.0} | {peak} |");
        }
        return t.ToString();
    }

    public string Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"system-{TimestampUtc:yyyyMMdd-HHmmss}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
        File.WriteAllText(Path.ChangeExtension(path, ".md"), Table());
        return path;
    }
}
