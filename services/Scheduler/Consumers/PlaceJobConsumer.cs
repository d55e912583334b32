using Jobs.Contracts;
using Jobs.Scheduler.Placement;
using MassTransit;

namespace Jobs.Scheduler.Consumers;

/// <summary>Queues an attempt for placement; a repeated request for a placed attempt is answered again.</summary>
public sealed class PlaceJobConsumer(PlacementStore store, PlacementSignal signal) : IConsumer<PlaceJob>
{
    public async Task Consume(ConsumeContext<PlaceJob> context)
    {
        var executorId = await store.Request(context.Message, context.CancellationToken);
        if (executorId is not null)
            await context.Publish(new JobPlaced(context.Message.JobId, context.Message.Attempt, executorId));
        else
            signal.Wake();
    }
}
