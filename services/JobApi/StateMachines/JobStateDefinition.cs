using MassTransit;

namespace Jobs.JobApi.StateMachines;

/// <summary>
/// The saga endpoint (retried by the bus-level policy on conflicts): messages of one job are handled one at a time in this process (partitioned by job id), rows are
/// locked across processes, and outgoing messages leave only after the saga row is committed (in-memory outbox); a
/// redelivery that finds its change committed sends them again (<see cref="ResendOnRedelivery"/>).
/// </summary>
public sealed class JobStateDefinition : SagaDefinition<JobState>
{
    const int Partitions = 32;

    public JobStateDefinition()
    {
        Endpoint(e => e.Name = "job-saga");
    }

    protected override void ConfigureSaga(
        IReceiveEndpointConfigurator endpointConfigurator,
        ISagaConfigurator<JobState> sagaConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = 128;
        endpointConfigurator.UseInMemoryOutbox(context);
        sagaConfigurator.UseFilter(new ResendOnRedelivery());

        var partition = endpointConfigurator.CreatePartitioner(Partitions);
        sagaConfigurator.Message<Jobs.Contracts.SubmitJob>(x => x.UsePartitioner(partition, m => m.Message.JobId));
        sagaConfigurator.Message<Jobs.Contracts.JobPlaced>(x => x.UsePartitioner(partition, m => m.Message.JobId));
        sagaConfigurator.Message<Jobs.Contracts.JobStarted>(x => x.UsePartitioner(partition, m => m.Message.JobId));
        sagaConfigurator.Message<Jobs.Contracts.JobAttemptFinished>(x => x.UsePartitioner(partition, m => m.Message.JobId));
        sagaConfigurator.Message<Jobs.Contracts.CancelJob>(x => x.UsePartitioner(partition, m => m.Message.JobId));
        sagaConfigurator.Message<Jobs.Contracts.AttemptLost>(x => x.UsePartitioner(partition, m => m.Message.JobId));
        sagaConfigurator.Message<Jobs.Contracts.QueueTimeoutExpired>(x => x.UsePartitioner(partition, m => m.Message.JobId));
        sagaConfigurator.Message<Jobs.Contracts.PlacementDelayed>(x => x.UsePartitioner(partition, m => m.Message.JobId));
    }
}
