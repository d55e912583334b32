using System.Diagnostics.Metrics;

namespace Jobs.JobApi;

/// <summary>
/// The job metrics, recorded by the saga as jobs move: submitted, ended by status, retried by failure class, how long
/// jobs waited for their first start and how long attempts ran. Exported on <c>/metrics</c> and by OTLP.
/// </summary>
public static class JobApiTelemetry
{
    public const string Name = "Jobs.JobApi";

    static readonly Meter Meter = new(Name);

    /// <summary>From milliseconds to hours: the default buckets start at 5 s, too coarse for dispatch and batch times.</summary>
    static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    };

    static readonly Counter<long> Submitted = Meter.CreateCounter<long>("jobs.submitted", "{job}", "Jobs accepted");
    static readonly Counter<long> Ended = Meter.CreateCounter<long>("jobs.ended", "{job}", "Jobs that reached a terminal status, by status");
    static readonly Counter<long> Retried = Meter.CreateCounter<long>("jobs.retries", "{attempt}", "Attempts retried, by the failure class of the attempt before");
    static readonly Counter<long> SagaConflicts = Meter.CreateCounter<long>("jobs.saga.conflicts", "{conflict}", "Saga rows another consumer inserted first (the event is then applied to that row)");
    static readonly Histogram<double> QueueWait = Meter.CreateHistogram<double>("jobs.queue_wait", "s", "From submit to the first attempt's start", tags: null, advice: Seconds);
    static readonly Histogram<double> RunTime = Meter.CreateHistogram<double>("jobs.attempt.run_time", "s", "From an attempt's start to its end, by outcome", tags: null, advice: Seconds);

    static readonly Counter<long> StalledNudges = Meter.CreateCounter<long>("jobs.stalled.nudges", "{job}", "Stalled jobs whose awaited message was sent again (kind Waiting: a lost message, or a long wait for an executor; kind Running: a long run, its executor asked whether it ended)");

    public static void RecordSagaConflict() => SagaConflicts.Add(1);

    public static void RecordStalledNudges(int count, string kind) => StalledNudges.Add(count, new KeyValuePair<string, object?>("kind", kind));

    public static void RecordSubmitted(string pool) => Submitted.Add(1, new KeyValuePair<string, object?>("pool", pool));

    public static void RecordEnded(string pool, string status) =>
        Ended.Add(1, new KeyValuePair<string, object?>("pool", pool), new KeyValuePair<string, object?>("status", status));

    public static void RecordRetry(string pool, string failure) =>
        Retried.Add(1, new KeyValuePair<string, object?>("pool", pool), new KeyValuePair<string, object?>("failure", failure));

    public static void RecordQueueWait(string pool, TimeSpan wait) =>
        QueueWait.Record(Math.Max(0, wait.TotalSeconds), new KeyValuePair<string, object?>("pool", pool));

    public static void RecordRunTime(string pool, string outcome, TimeSpan run) =>
        RunTime.Record(Math.Max(0, run.TotalSeconds), new KeyValuePair<string, object?>("pool", pool), new KeyValuePair<string, object?>("outcome", outcome));
}
