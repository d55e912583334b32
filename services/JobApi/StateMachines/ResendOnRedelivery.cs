using Jobs.JobApi.Persistence;
using MassTransit;

namespace Jobs.JobApi.StateMachines;

/// <summary>
/// Sends again what a job waits on when a repeated delivery changes nothing. The in-memory outbox sends a delivery's
/// messages only after its transaction commits; they are lost if JobApi dies in between, if the broker refuses them,
/// or if the commit's answer is lost with the database connection although the commit happened. The delivery then
/// comes again — redelivered by the broker, or retried here (<see cref="SagaCommitAttempted"/>) — finds its change
/// made and would be ignored: the job would wait for a placement, a run or an end nobody was told about. A retry whose
/// earlier attempts never reached their commit (a lost race to insert, say) changes nothing and sends nothing. Every
/// receiver takes a repeat as a no-op or answers it again.
/// </summary>
public sealed class ResendOnRedelivery : IFilter<SagaConsumeContext<JobState>>
{
    public async Task Send(SagaConsumeContext<JobState> context, IPipe<SagaConsumeContext<JobState>> next)
    {
        var before = (context.Saga.CurrentState, context.Saga.Attempt);
        await next.Send(context);
        // A repeat that did change the job sent what the change calls for itself.
        if ((context.ReceiveContext.Redelivered || context.ReceiveContext.TryGetPayload<SagaCommitAttempted>(out _))
            && (context.Saga.CurrentState, context.Saga.Attempt) == before)
            await JobStateMachine.Resend(context, context.Saga);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("resendOnRedelivery");
}
