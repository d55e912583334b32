using Jobs.Contracts;
using Jobs.LogSink.Retention;
using MassTransit;

namespace Jobs.LogSink.Consumers;

/// <summary>Remembers when each job ended, which starts its output's retention.</summary>
public sealed class JobEndedConsumer(LogRetention retention) : IConsumer<JobEnded>
{
    public Task Consume(ConsumeContext<JobEnded> context) =>
        retention.RecordEnded(context.Message.JobId, context.Message.EndedAt, context.CancellationToken);
}
