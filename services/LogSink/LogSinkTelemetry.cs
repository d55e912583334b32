using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Jobs.LogSink;

/// <summary>What LogSink stores and how long its batches take; a span per batch write.</summary>
public static class LogSinkTelemetry
{
    public const string Name = "Jobs.LogSink";

    public static readonly ActivitySource Source = new(Name);

    static readonly Meter Meter = new(Name);

    /// <summary>From milliseconds to hours: the default buckets start at 5 s, too coarse for dispatch and batch times.</summary>
    static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    };

    static readonly Counter<long> Chunks = Meter.CreateCounter<long>("logs.chunks.stored", "{chunk}", "Chunks stored (redelivered duplicates not counted)");
    static readonly Counter<long> Bytes = Meter.CreateCounter<long>("logs.received", "By", "Output bytes in the batches received");
    static readonly Histogram<double> BatchDuration = Meter.CreateHistogram<double>("logs.batch.duration", "s", "Time to write and commit one batch", tags: null, advice: Seconds);
    static readonly Histogram<long> BatchSize = Meter.CreateHistogram<long>("logs.batch.size", "{chunk}", "Chunks per batch");

    public static void RecordBatch(int received, long bytes, int stored, TimeSpan duration)
    {
        Chunks.Add(stored);
        Bytes.Add(bytes);
        BatchSize.Record(received);
        BatchDuration.Record(duration.TotalSeconds);
    }
}
