using Jobs.Contracts;
using Jobs.Scheduler.Placement;
using MassTransit;

namespace Jobs.Scheduler.Consumers;

/// <summary>Frees the slot an attempt held.</summary>
public sealed class AttemptFinishedConsumer(PlacementStore store, PlacementSignal signal) : IConsumer<JobAttemptFinished>
{
    public async Task Consume(ConsumeContext<JobAttemptFinished> context)
    {
        await store.Release(context.Message.JobId, context.Message.Attempt, context.CancellationToken);
        signal.Wake();
    }
}
