using Jobs.Contracts;
using Jobs.Executor.Execution;
using MassTransit;

namespace Jobs.Executor.Consumers;

/// <summary>Stops an attempt (on this executor's control queue, so a stop never waits behind running work).</summary>
public sealed class StopJobConsumer(AttemptRegistry registry) : IConsumer<StopJob>
{
    public Task Consume(ConsumeContext<StopJob> context)
    {
        registry.RequestStop(new RunningAttempt(context.Message.JobId, context.Message.Attempt), TimeSpan.FromSeconds(context.Message.GraceSeconds));
        return Task.CompletedTask;
    }
}
