using Jobs.Contracts;
using MassTransit;

namespace Jobs.JobApi.StateMachines;

/// <summary>
/// Drives a job from submission to a terminal state. Events carry the attempt number, which fences them: an event
/// of another attempt than the saga's current one changes nothing.
/// </summary>
public sealed class JobStateMachine : MassTransitStateMachine<JobState>
{
    public JobStateMachine()
    {
        InstanceState(x => x.CurrentState);

        Event(() => Submitted, x => x.CorrelateById(m => m.Message.JobId));
        Event(() => Placed, x => x.CorrelateById(m => m.Message.JobId));
        Event(() => Started, x => x.CorrelateById(m => m.Message.JobId));
        Event(() => AttemptFinished, x => x.CorrelateById(m => m.Message.JobId));

        Initially(
            When(Submitted)
                .Then(context =>
                {
                    context.Saga.Spec = context.Message.Spec;
                    context.Saga.SubmittedAt = context.Message.SubmittedAt;
                    context.Saga.Attempt = 1;
                    context.Saga.UpdatedAt = DateTimeOffset.UtcNow;
                })
                .TransitionTo(Pending)
                .Respond(context => new JobAccepted(context.Saga.CorrelationId, nameof(Pending)))
                .Publish(context => new PlaceJob(context.Saga.CorrelationId, context.Saga.Attempt, context.Saga.Spec.Pool, DateTimeOffset.UtcNow)));

        During(Pending,
            When(Placed, context => context.Message.Attempt == context.Saga.Attempt)
                .Then(context =>
                {
                    context.Saga.ExecutorId = context.Message.ExecutorId;
                    context.Saga.AssignedAt = DateTimeOffset.UtcNow;
                    context.Saga.UpdatedAt = context.Saga.AssignedAt.Value;
                })
                .TransitionTo(Assigned)
                .Send(
                    context => ExecutorEndpoint.Address(context.Saga.ExecutorId!),
                    context => new ExecuteJob(context.Saga.CorrelationId, context.Saga.Attempt, context.Saga.Spec)));

        During(Assigned,
            When(Started, context => context.Message.Attempt == context.Saga.Attempt)
                .Then(context =>
                {
                    context.Saga.StartedAt = context.Message.StartedAt;
                    context.Saga.UpdatedAt = DateTimeOffset.UtcNow;
                })
                .TransitionTo(Running));

        // The finish can overtake the start (both are events, redelivery reorders them), so Assigned accepts it too.
        During(Assigned, Running,
            When(AttemptFinished, context => context.Message.Attempt == context.Saga.Attempt)
                .Then(context =>
                {
                    var message = context.Message;
                    context.Saga.ExitCode = message.ExitCode;
                    context.Saga.Error = message.Error;
                    context.Saga.LogChunks = message.LogChunks;
                    context.Saga.FinishedAt = message.FinishedAt;
                    context.Saga.StartedAt ??= message.FinishedAt;
                    context.Saga.UpdatedAt = DateTimeOffset.UtcNow;
                })
                .IfElse(context => context.Message.ExitCode == 0,
                    succeeded => succeeded.TransitionTo(Succeeded),
                    failed => failed.TransitionTo(Failed)));

        // A repeated submit (a client retry, a redelivery) is answered with where the job stands now.
        DuringAny(
            When(Submitted)
                .Respond(context => new JobAccepted(context.Saga.CorrelationId, context.Saga.CurrentState)));

        // Duplicates and events of other attempts are expected under at-least-once delivery: they change nothing.
        OnUnhandledEvent(context => context.Ignore());
    }

    public State Pending { get; private set; } = null!;
    public State Assigned { get; private set; } = null!;
    public State Running { get; private set; } = null!;
    public State Succeeded { get; private set; } = null!;
    public State Failed { get; private set; } = null!;

    public Event<SubmitJob> Submitted { get; private set; } = null!;
    public Event<JobPlaced> Placed { get; private set; } = null!;
    public Event<JobStarted> Started { get; private set; } = null!;
    public Event<JobAttemptFinished> AttemptFinished { get; private set; } = null!;
}
