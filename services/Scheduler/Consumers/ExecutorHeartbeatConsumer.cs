using Jobs.Contracts;
using Jobs.Scheduler.Placement;
using MassTransit;

namespace Jobs.Scheduler.Consumers;

/// <summary>
/// Keeps the executor registry: a heartbeat registers or refreshes an executor, and may bring free slots. Attempts the
/// executor runs that are no longer placed on it (it was declared lost and they were given up) are stopped.
/// </summary>
public sealed class ExecutorHeartbeatConsumer(PlacementStore store, PlacementSignal signal) : IConsumer<ExecutorHeartbeat>
{
    public async Task Consume(ConsumeContext<ExecutorHeartbeat> context)
    {
        var heartbeat = context.Message;
        await store.RecordHeartbeat(heartbeat, context.CancellationToken);
        signal.Wake();

        var stale = await store.NotAssigned(heartbeat.ExecutorId, heartbeat.Running, context.CancellationToken);
        if (stale.Count == 0)
            return;
        var control = await context.GetSendEndpoint(ExecutorEndpoint.ControlAddress(heartbeat.ExecutorId));
        foreach (var attempt in stale)
            await control.Send(new StopJob(attempt.JobId, attempt.Attempt, GraceSeconds: 0));
    }
}
