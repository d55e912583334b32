using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Jobs.Bench.ControlPlane;

/// <summary>The machine and servers the numbers come from; the load average before and after says how busy it was.</summary>
internal sealed record HostInfo(int Cores, string Os, string Runtime, string PostgreSql, string? RabbitMq, string? LoadBefore, string? LoadAfter);

internal sealed record Setup(
    int Jobs,
    int Concurrency,
    int Executors,
    int Slots,
    int WarmupJobs,
    int ProbeJobs,
    string Command,
    string Gateway,
    string Database,
    string VirtualHost,
    IReadOnlyDictionary<string, int> ServicePids,
    string RateLimits,
    string ServiceOutput);

internal sealed record Throughput(
    int Submitted,
    int Accepted,
    int FailedSubmits,
    int Throttled,
    long Succeeded,
    long EndedOtherwise,
    double Seconds,
    double JobsPerSecond,
    double SubmitSeconds,
    double SubmitJobsPerSecond,
    Percentiles? PostLatencyMs,
    Percentiles? SlotsHeld,
    Percentiles? Waiting,
    int MostRunningAtOnce,
    double SlotHeldMeanMs,
    double SlotTurnoverJobsPerSecond,
    int Polls,
    double PollSeconds,
    double PollCostMs);

/// <summary>A table's rows written per job.</summary>
internal sealed record TableRate(string Table, double Inserted, double Updated, double HotUpdated, double Deleted);

/// <summary>The servers' counters over the measured run (deltas) and per job; the bench's own queries are taken off the database's.</summary>
internal sealed record PerJob(
    BrokerCounters Broker,
    DatabaseCounters Database,
    long BenchQueries,
    double Publishes,
    double Deliveries,
    double Confirms,
    double Redeliveries,
    double Commits,
    double Rollbacks,
    double RowsWritten,
    double Inserted,
    double Updated,
    double Deleted,
    IReadOnlyList<TableRate> Tables);

/// <summary>The physical bound: the raw rate over the messages each job costs the broker, and how close the system came.</summary>
internal sealed record Bound(RawResult Raw, string MessagesPerJobMeans, double MessagesPerJob, double JobsPerSecond, double AchievedOverBound, double Goal, bool GoalMet);

internal sealed record BenchReport(
    DateTimeOffset TimestampUtc,
    HostInfo Host,
    Setup Setup,
    Throughput Throughput,
    PerJob PerJob,
    Bound Bound,
    IReadOnlyList<StageSummary> Stages,
    CpuUse Cpu,
    DatabaseProfileResult Database,
    ExecutorCounters Executors,
    IReadOnlyList<string> Errors,
    IReadOnlyList<ProgressSample> Timeline,
    IReadOnlyList<string> StageNames,
    IReadOnlyList<JobStages> MeasuredJobs,
    IReadOnlyList<JobStages> ProbeJobs)
{
    public const double Goal = 1000;

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static PerJob PerJobOf(BrokerCounters broker, DatabaseCounters database, long benchQueries, IReadOnlyList<TableWrites> before, IReadOnlyList<TableWrites> after, long jobs)
    {
        double Per(double value) => jobs == 0 ? 0 : Math.Round(value / jobs, 3);
        var tables = after
            .Select(a => (After: a, Before: before.FirstOrDefault(b => b.Table == a.Table) ?? new TableWrites(a.Table, 0, 0, 0, 0)))
            .Select(t => new TableRate(t.After.Table, Per(t.After.Inserted - t.Before.Inserted), Per(t.After.Updated - t.Before.Updated),
                Per(t.After.HotUpdated - t.Before.HotUpdated), Per(t.After.Deleted - t.Before.Deleted)))
            .Where(t => t.Inserted + t.Updated + t.Deleted > 0)
            .ToList();
        return new PerJob(
            broker,
            database,
            benchQueries,
            Per(broker.Publish),
            Per(broker.DeliverGet),
            Per(broker.Confirm),
            Per(broker.Redeliver),
            Per(database.Commits - benchQueries),
            Per(database.Rollbacks),
            Per(database.RowsWritten),
            Per(database.Inserted),
            Per(database.Updated),
            Per(database.Deleted),
            tables);
    }

    public static Bound BoundOf(RawResult raw, PerJob perJob, double achieved)
    {
        // A raw message is one publish and one delivery; a job's messages fan out (JobAttemptFinished to the saga and the
        // Scheduler, JobEnded to the Scheduler and the LogSink), so its deliveries are the larger count and the one to divide by.
        var messages = Math.Max(perJob.Deliveries, perJob.Publishes);
        var bound = messages > 0 ? raw.MessagesPerSecond / messages : 0;
        return new Bound(raw, "deliveries per job (each raw message is one publish and one delivery)", messages, Math.Round(bound, 1),
            bound > 0 ? Math.Round(achieved / bound, 3) : 0, Goal, achieved >= Goal);
    }

    /// <summary>Writes the report as <c>controlplane-yyyyMMdd-HHmmss.json</c> (UTC) into <paramref name="directory"/>; returns its path.</summary>
    public string Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"controlplane-{TimestampUtc.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
        return path;
    }

    /// <summary>The compact plain-text table.</summary>
    public string Table()
    {
        var text = new StringBuilder();
        var s = Setup;
        var t = Throughput;
        Line(text, $"Control-plane throughput: {s.Jobs} jobs ({s.Command}) through the gateway, {s.Concurrency} POSTs in flight; {s.Executors} simulated executors x {s.Slots} slots (no processes)");
        Line(text, $"(warm-up {s.WarmupJobs} jobs, probe {s.ProbeJobs} jobs one at a time: neither is in the run's figures; {s.RateLimits})");
        Line(text, $"host: {Host.Cores} cores, {Host.Os}, {Host.Runtime}; PostgreSQL {Host.PostgreSql}, RabbitMQ {Host.RabbitMq ?? "?"}; load {Host.LoadBefore ?? "?"} -> {Host.LoadAfter ?? "?"}");
        Line(text, $"system: {string.Join(", ", s.ServicePids.Select(p => I($"{p.Key} pid {p.Value}")))}; database {s.Database}, virtual host {s.VirtualHost}");
        text.Append('\n');
        Line(text, $"{"throughput",-44} {"jobs",6} {"seconds",8} {"jobs/s",8}");
        Line(text, $"{"end to end (first POST -> all ended)",-44} {t.Accepted,6} {t.Seconds,8:0.00} {t.JobsPerSecond,8:0.0}");
        Line(text, $"{"submit only (first POST -> last answer)",-44} {t.Submitted,6} {t.SubmitSeconds,8:0.00} {t.SubmitJobsPerSecond,8:0.0}");
        Line(text, $"POST latency ms: p50 {N(t.PostLatencyMs?.P50)}, p95 {N(t.PostLatencyMs?.P95)}, p99 {N(t.PostLatencyMs?.P99)}, max {N(t.PostLatencyMs?.Max)}; {t.FailedSubmits} failed, {t.Throttled} throttled (429)");
        Line(text, $"ended: {t.Succeeded} succeeded, {t.EndedOtherwise} otherwise");
        Line(text, $"slots: {s.Executors * s.Slots} in all; held in the Scheduler's books p50 {N0(t.SlotsHeld?.P50)}, max {N0(t.SlotsHeld?.Max)}; attempts waiting for one p50 {N0(t.Waiting?.P50)}, max {N0(t.Waiting?.Max)} ({t.Polls} polls)");
        Line(text, $"       most ExecuteJobs in hand at once at the executors: {t.MostRunningAtOnce}");
        Line(text, $"       what the slots allow (Little's law): {s.Executors * s.Slots} slots / {t.SlotHeldMeanMs / 1000:0.000} s mean hold (placed -> released) = {t.SlotTurnoverJobsPerSecond:0} jobs/s");
        text.Append('\n');
        var p = PerJob;
        Line(text, $"{"per job (counters over the run / jobs)",-44} {"total",9} {"per job",8}");
        Line(text, $"{"broker: published",-44} {p.Broker.Publish,9} {p.Publishes,8:0.00}");
        Line(text, $"{"broker: delivered",-44} {p.Broker.DeliverGet,9} {p.Deliveries,8:0.00}");
        Line(text, $"{"broker: confirmed / redelivered",-44} {I($"{p.Broker.Confirm}/{p.Broker.Redeliver}"),9} {I($"{p.Confirms:0.00}/{p.Redeliveries:0.00}"),8}");
        Line(text, $"{"database: transactions committed",-44} {p.Database.Commits - p.BenchQueries,9} {p.Commits,8:0.00}");
        Line(text, $"{"database: rows written (ins+upd+del)",-44} {p.Database.RowsWritten,9} {p.RowsWritten,8:0.00}   ({p.Inserted:0.00} ins, {p.Updated:0.00} upd, {p.Deleted:0.00} del; {p.Rollbacks:0.00} rollbacks)");
        foreach (var table in p.Tables)
            Line(text, $"  {table.Table,-42} {"",9} {table.Inserted + table.Updated + table.Deleted,8:0.00}   ({table.Inserted:0.00} ins, {table.Updated:0.00} upd of which {table.HotUpdated:0.00} HOT, {table.Deleted:0.00} del)");
        Line(text, $"  (the bench's own {p.BenchQueries} queries on the system's database are taken off the transactions; its {t.Polls} polls took {t.PollSeconds:0.0} s in all,");
        Line(text, $"   one on the final tables {t.PollCostMs:0.00} ms of PostgreSQL's time)");
        text.Append('\n');
        var b = Bound;
        Line(text, $"bound: raw MassTransit send+consume, {b.Raw.Messages} msgs to a {b.Raw.Queue} queue, confirms, {b.Raw.Senders} senders, prefetch {b.Raw.Prefetch}: {b.Raw.Seconds:0.00} s -> {b.Raw.MessagesPerSecond:0} msgs/s");
        Line(text, $"       {b.Raw.MessagesPerSecond:0} msgs/s / {b.MessagesPerJob:0.00} deliveries per job = {b.JobsPerSecond:0} jobs/s");
        Line(text, $"achieved {t.JobsPerSecond:0.0} jobs/s = {b.AchievedOverBound:0.00} of the bound; goal >= {b.Goal:0} jobs/s: {(b.GoalMet ? "met" : "not met")}");
        text.Append('\n');
        Line(text, $"where a job's time goes (ms; loaded = the run, unloaded = the probe)   {"loaded",-26} {"unloaded",-17}");
        Line(text, $"{"stage",-8} {"from -> to",-61} {"p50",8} {"p95",8} {"p99",8} {"p50",8} {"p95",8}");
        foreach (var stage in Stages)
        {
            if (stage.Name == "answer")
                Line(text, $"{"",-8} {"-- overlapping spans --",-61}");
            Line(text, $"{stage.Name,-8} {stage.From + " -> " + stage.To,-61} {N(stage.Loaded?.P50),8} {N(stage.Loaded?.P95),8} {N(stage.Loaded?.P99),8} {N(stage.Unloaded?.P50),8} {N(stage.Unloaded?.P95),8}");
        }
        text.Append('\n');
        var cpu = Cpu;
        Line(text, $"CPU seconds during the run ({cpu.Wall:0.0} s): {string.Join(", ", cpu.Seconds.Select(c => I($"{c.Key} {c.Value:0.0}")))}, other {cpu.Other:0.0}; {cpu.BusyCores:0.00} of {Host.Cores} cores busy");
        text.Append('\n');
        var d = Database;
        if (d.StatementsUnavailable is not null)
            Line(text, $"statements: {d.StatementsUnavailable}");
        else
        {
            Line(text, $"PostgreSQL's statements over the run (pg_stat_statements; execution time only, {d.StatementMsPerJob:0.000} ms per job in all; the bench's own left out)");
            Line(text, $"{"calls/job",9} {"ms/job",8} {"mean ms",8} {"share",6}  statement");
            foreach (var statement in d.Statements.Take(12))
                Line(text, $"{statement.CallsPerJob,9:0.00} {statement.MsPerJob,8:0.000} {statement.MeanMs,8:0.000} {statement.Share,6:P0}  {statement.Statement}");
        }
        Line(text, $"what the system's connections in a transaction were doing ({d.WaitSamples} samples of pg_stat_activity, one per {d.SampleIntervalMs:0} ms)");
        foreach (var wait in d.Waits.Take(8))
            Line(text, $"  {wait.What,-48} {wait.Share,6:P0} of samples, {wait.MeanBackends:0.00} connections on average");
        var e = Executors;
        Line(text, $"simulated executors: {e.Executed} ExecuteJobs run ({e.Redelivered} redelivered), {e.Stops} stops, {e.Heartbeats} heartbeats ({e.HeartbeatsFailed} failed)");
        foreach (var error in Errors.Take(5))
            Line(text, $"error: {error}");
        return text.ToString();
    }

    static void Line(StringBuilder text, FormattableString line) => text.Append(I(line)).Append('\n');

    static string I(FormattableString text) => FormattableString.Invariant(text);

    static string N(double? ms) => ms is { } value ? value.ToString("0.0", CultureInfo.InvariantCulture) : "-";

    static string N0(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) : "-";
}
