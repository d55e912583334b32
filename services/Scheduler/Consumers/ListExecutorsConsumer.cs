using Jobs.Contracts;
using Jobs.Scheduler.Placement;
using MassTransit;

namespace Jobs.Scheduler.Consumers;

/// <summary>Answers with the executor registry, which the Scheduler owns.</summary>
public sealed class ListExecutorsConsumer(PlacementStore store) : IConsumer<ListExecutors>
{
    public async Task Consume(ConsumeContext<ListExecutors> context) =>
        await context.RespondAsync(new ExecutorList(await store.Executors(context.CancellationToken)));
}
