using Jobs.Contracts;
using Jobs.Scheduler.Placement;
using MassTransit;

namespace Jobs.Scheduler.Consumers;

/// <summary>An admin's drain or resume of an executor: placement skips a drained one until it is resumed.</summary>
public sealed class SetExecutorDrainConsumer(PlacementStore store, PlacementSignal signal) : IConsumer<SetExecutorDrain>
{
    public async Task Consume(ConsumeContext<SetExecutorDrain> context)
    {
        var request = context.Message;
        var found = await store.SetDrained(request.ExecutorId, request.Drain, context.CancellationToken);
        if (found && !request.Drain)
            signal.Wake();
        await context.RespondAsync(new ExecutorDrainResult(request.ExecutorId, found, found && request.Drain));
    }
}
