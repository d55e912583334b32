using Jobs.Contracts;
using Jobs.Executor.Execution;
using MassTransit;

namespace Jobs.Executor.Consumers;

/// <summary>
/// Publishes again the finish of an attempt that ended here (on this executor's control queue): the job's saga still
/// takes it as running, so the first one may have been lost. One it runs, or no longer remembers, is not answered.
/// </summary>
public sealed partial class ReportAttemptConsumer(AttemptRegistry registry, ILogger<ReportAttemptConsumer> logger) : IConsumer<ReportAttempt>
{
    public async Task Consume(ConsumeContext<ReportAttempt> context)
    {
        if (registry.Result(new RunningAttempt(context.Message.JobId, context.Message.Attempt)) is not { } finished)
            return;
        try
        {
            await context.Publish(finished, context.CancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.CancellationToken.IsCancellationRequested)
        {
            // Not a fault to park in an error queue: the sweep that asked asks again on its next round.
            LogReportFailed(ex, finished.JobId, finished.Attempt);
            return;
        }
        LogReportedAgain(finished.JobId, finished.Attempt, finished.End);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not report again the finish of job {JobId} attempt {Attempt}; it is asked for again later")]
    partial void LogReportFailed(Exception exception, Guid jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reported again the finish of job {JobId} attempt {Attempt} ({End}): the job was still running for its saga")]
    partial void LogReportedAgain(Guid jobId, int attempt, AttemptEnd end);
}
