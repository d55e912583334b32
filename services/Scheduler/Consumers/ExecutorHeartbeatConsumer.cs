using Jobs.Contracts;
using Jobs.Scheduler.Placement;
using MassTransit;

namespace Jobs.Scheduler.Consumers;

/// <summary>Keeps the executor registry: a heartbeat registers or refreshes an executor, and may bring free slots.</summary>
public sealed class ExecutorHeartbeatConsumer(PlacementStore store, PlacementSignal signal) : IConsumer<ExecutorHeartbeat>
{
    public async Task Consume(ConsumeContext<ExecutorHeartbeat> context)
    {
        await store.RecordHeartbeat(context.Message, context.CancellationToken);
        signal.Wake();
    }
}
