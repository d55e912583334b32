using Jobs.Contracts;
using Jobs.LogSink.Storage;
using MassTransit;

namespace Jobs.LogSink.Consumers;

/// <summary>Stores chunks in batches; the batch's messages are acknowledged only after its transaction commits.</summary>
public sealed class LogChunkBatchConsumer(LogChunkWriter writer) : IConsumer<Batch<JobLogChunk>>
{
    public async Task Consume(ConsumeContext<Batch<JobLogChunk>> context) =>
        await writer.Write([.. context.Message.Select(m => m.Message)], context.CancellationToken);
}
