using Jobs.Contracts;
using Jobs.LogSink.Retention;
using MassTransit;

namespace Jobs.LogSink.Consumers;

/// <summary>
/// Remembers when each job ended, which starts its output's retention. Named apart from the Scheduler's
/// JobEndedConsumer: endpoint names come from class names, and two services on one queue would split the events.
/// </summary>
public sealed class RetentionClockConsumer(LogRetention retention) : IConsumer<JobEnded>
{
    public Task Consume(ConsumeContext<JobEnded> context) =>
        retention.RecordEnded(context.Message.JobId, context.Message.EndedAt, context.CancellationToken);
}
