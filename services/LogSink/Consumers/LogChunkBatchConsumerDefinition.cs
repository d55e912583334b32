using MassTransit;

namespace Jobs.LogSink.Consumers;

/// <summary>Batches of up to 500 chunks or 50 ms, whichever comes first; two batches may be written at once.</summary>
public sealed class LogChunkBatchConsumerDefinition : ConsumerDefinition<LogChunkBatchConsumer>
{
    public LogChunkBatchConsumerDefinition()
    {
        Endpoint(e => e.PrefetchCount = 1000);
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<LogChunkBatchConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        consumerConfigurator.Options<BatchOptions>(batch => batch
            .SetMessageLimit(500)
            .SetTimeLimit(TimeSpan.FromMilliseconds(50))
            .SetConcurrencyLimit(2));
    }
}
