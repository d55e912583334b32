using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Jobs.Bench.Executor;

/// <summary>The machine the numbers come from; its load average before and after says how noisy it was.</summary>
internal sealed record HostInfo(int Cores, string Os, string Runtime, string Cgroups, IReadOnlyList<string> CgroupEnforced, string? LoadBefore, string? LoadAfter);

/// <summary>One variant's latencies (ms) and throughput; the samples are the measured totals in run order.</summary>
internal sealed record VariantResult(
    string Name,
    int Runs,
    string StartedMeans,
    Percentiles TotalMs,
    Percentiles StartedMs,
    double RunsPerSecond,
    Percentiles? CgroupCreateMs,
    Percentiles? CgroupRemoveMs,
    int CgroupsLeftBehind,
    IReadOnlyList<double> TotalSamplesMs);

/// <summary>A variant's total latency and throughput divided by the raw baseline's, measured in the same run.</summary>
internal sealed record RatioToRaw(string Variant, double P50, double P99, double RunsPerSecond);

internal sealed record BenchReport(
    DateTimeOffset TimestampUtc,
    HostInfo Host,
    int RunsPerVariant,
    int WarmupRounds,
    string Order,
    string? CgroupVariantSkipped,
    IReadOnlyList<VariantResult> Variants,
    IReadOnlyList<RatioToRaw> Ratios,
    IdleMemoryResult IdleMemory)
{
    public const string OrderDescription = "concurrency 1; variants interleaved in rounds whose order rotates (ABC, BCA, CAB, ...)";

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static VariantResult Summarise(Variant variant)
    {
        var samples = variant.Samples;
        var creates = samples.Where(s => s.CgroupCreateMs is not null).Select(s => s.CgroupCreateMs!.Value).ToList();
        var removes = samples.Where(s => s.CgroupRemoveMs is not null).Select(s => s.CgroupRemoveMs!.Value).ToList();
        return new VariantResult(
            variant.Name,
            samples.Count,
            variant.StartedMeans,
            Percentiles.Require([.. samples.Select(s => s.TotalMs)]),
            Percentiles.Require([.. samples.Select(s => s.StartedMs)]),
            // Concurrency 1, so a variant's throughput is its runs over the time its own runs took.
            samples.Count / (samples.Sum(s => s.TotalMs) / 1000),
            creates.Count > 0 ? Percentiles.Of(creates) : null,
            removes.Count > 0 ? Percentiles.Of(removes) : null,
            samples.Count(s => s.CgroupLeftBehind),
            [.. samples.Select(s => Math.Round(s.TotalMs, 4))]);
    }

    public static List<RatioToRaw> RatiosOf(IReadOnlyList<VariantResult> variants)
    {
        var raw = variants.Single(v => v.Name == LatencyBench.Raw);
        return [.. variants
            .Where(v => v != raw)
            .Select(v => new RatioToRaw(v.Name, v.TotalMs.P50 / raw.TotalMs.P50, v.TotalMs.P99 / raw.TotalMs.P99, v.RunsPerSecond / raw.RunsPerSecond))];
    }

    /// <summary>Writes the report as <c>executor-yyyyMMdd-HHmmss.json</c> (UTC) into <paramref name="directory"/>; returns its path.</summary>
    public string Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"executor-{TimestampUtc.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
        return path;
    }

    /// <summary>The compact plain-text table.</summary>
    public string Table()
    {
        var text = new StringBuilder();
        Line(text, $"Executor per-attempt overhead: /bin/true, {RunsPerVariant} runs per variant after {WarmupRounds} warm-up rounds");
        Line(text, $"({OrderDescription})");
        Line(text, $"host: {Host.Cores} cores, {Host.Os}, {Host.Runtime}; load {Host.LoadBefore ?? "?"} -> {Host.LoadAfter ?? "?"}");
        Line(text, $"cgroups: {Host.Cgroups}{(Host.CgroupEnforced.Count > 0 ? "; the attempt cgroup enforces " + string.Join(", ", Host.CgroupEnforced) : "")}");
        if (CgroupVariantSkipped is not null)
            Line(text, $"runner+cgroup skipped: {CgroupVariantSkipped}");
        text.Append('\n');
        Line(text, $"{"",-15} {"total ms",-26} {"started ms"}");
        Line(text, $"{"variant",-15} {"p50",8} {"p95",8} {"p99",8} {"p50",8} {"p99",8} {"runs/s",8}");
        foreach (var v in Variants)
            Line(text, $"{v.Name,-15} {N(v.TotalMs.P50),8} {N(v.TotalMs.P95),8} {N(v.TotalMs.P99),8} {N(v.StartedMs.P50),8} {N(v.StartedMs.P99),8} {v.RunsPerSecond,8:0.0}");
        foreach (var v in Variants.Where(v => v.CgroupCreateMs is not null))
        {
            var left = v.CgroupsLeftBehind > 0 ? I($", {v.CgroupsLeftBehind} not removed") : "";
            Line(text, $"  {v.Name}: cgroup create p50 {N(v.CgroupCreateMs!.P50)} p99 {N(v.CgroupCreateMs.P99)} ms, remove p50 {N(v.CgroupRemoveMs!.P50)} p99 {N(v.CgroupRemoveMs.P99)} ms{left}");
        }
        Line(text, $"  started: raw = Process.Start returned; runner = the started callback (process is its group's leader)");
        text.Append('\n');
        Line(text, $"{"ratio to raw",-15} {"p50",8} {"p99",8} {"runs/s",8}");
        foreach (var r in Ratios)
            Line(text, $"{r.Variant,-15} {X(r.P50),8} {X(r.P99),8} {X(r.RunsPerSecond),8}");
        text.Append('\n');
        var idle = IdleMemory;
        if (idle.Status == IdleMemoryResult.Measured)
        {
            var exit = idle.ExitCode is { } code ? I($"exited {code} {idle.ExitAfterSigtermSeconds:0.0} s after SIGTERM") : idle.Reason;
            Line(text, $"idle executor ({idle.SettleSeconds:0} s after /alive): VmRSS {idle.VmRssMiB:0.0} MiB, VmHWM {idle.VmHwmMiB:0.0} MiB");
            Line(text, $"  (alive {idle.AliveAfterSeconds:0.0} s after start; {exit})");
        }
        else
        {
            Line(text, $"idle executor: {idle.Status}: {idle.Reason}");
        }
        return text.ToString();
    }

    static void Line(StringBuilder text, FormattableString line) => text.Append(I(line)).Append('\n');

    static string I(FormattableString text) => FormattableString.Invariant(text);

    static string N(double ms) => ms.ToString(ms < 10 ? "0.000" : "0.00", CultureInfo.InvariantCulture);

    static string X(double ratio) => ratio.ToString("0.00", CultureInfo.InvariantCulture) + "x";
}
