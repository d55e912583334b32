using System.Diagnostics;
using Jobs.Contracts;
using Jobs.LogSink.Storage;
using MassTransit;

namespace Jobs.LogSink.Consumers;

/// <summary>Stores chunks in batches; the batch's messages are acknowledged only after its transaction commits.</summary>
public sealed class LogChunkBatchConsumer(LogChunkWriter writer) : IConsumer<Batch<JobLogChunk>>
{
    public async Task Consume(ConsumeContext<Batch<JobLogChunk>> context)
    {
        var started = Stopwatch.GetTimestamp();
        JobLogChunk[] chunks = [.. context.Message.Select(m => m.Message)];
        using var activity = LogSinkTelemetry.Source.StartActivity("write log batch");
        activity?.SetTag("log.chunks", chunks.Length);
        activity?.SetTag("job.ids", string.Join(',', chunks.Select(c => c.JobId).Distinct()));
        var stored = await writer.Write(chunks, context.CancellationToken);
        activity?.SetTag("log.chunks.stored", stored);
        LogSinkTelemetry.RecordBatch(chunks.Length, chunks.Sum(c => (long)c.Data.Length), stored, Stopwatch.GetElapsedTime(started));
    }
}
