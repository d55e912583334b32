using MassTransit;

namespace Jobs.JobApi.StateMachines;

/// <summary>
/// Sends again what a job waits on when a redelivered message changes nothing. The in-memory outbox sends a delivery's
/// messages only after its transaction commits; a JobApi killed between the commit and the send loses them, and the
/// message, never acknowledged, comes back to find its change already made and is ignored: the job would wait for a
/// placement, a run or an end nobody was told about. Every receiver takes a repeat as a no-op or answers it again.
/// </summary>
public sealed class ResendOnRedelivery : IFilter<SagaConsumeContext<JobState>>
{
    public async Task Send(SagaConsumeContext<JobState> context, IPipe<SagaConsumeContext<JobState>> next)
    {
        var before = (context.Saga.CurrentState, context.Saga.Attempt);
        await next.Send(context);
        // A redelivery that did change the job sent what the change calls for itself.
        if (context.ReceiveContext.Redelivered && (context.Saga.CurrentState, context.Saga.Attempt) == before)
            await JobStateMachine.Resend(context, context.Saga);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("resendOnRedelivery");
}
