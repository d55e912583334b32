using Jobs.Contracts;
using Jobs.Scheduler.Placement;
using MassTransit;

namespace Jobs.Scheduler.Consumers;

/// <summary>A job that ended (canceled while waiting, for instance) gives up whatever it was waiting for or held.</summary>
public sealed class JobEndedConsumer(PlacementStore store, PlacementSignal signal) : IConsumer<JobEnded>
{
    public async Task Consume(ConsumeContext<JobEnded> context)
    {
        await store.ReleaseJob(context.Message.JobId, context.CancellationToken);
        signal.Wake();
    }
}
