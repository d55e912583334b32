using Jobs.Contracts;
using MassTransit;

namespace Jobs.JobApi.StateMachines;

/// <summary>
/// Drives a job from submission to a terminal state: placement, execution, retries with backoff, cancellation.
/// Events carry the attempt number, which fences them: an event of another attempt than the saga's current one is
/// recorded on that attempt at most, and changes nothing else.
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
        Event(() => CancelRequested, x => x.CorrelateById(m => m.Message.JobId));
        Event(() => ExecutorLost, x => x.CorrelateById(m => m.Message.JobId));
        Event(() => Delayed, x => x.CorrelateById(m => m.Message.JobId));
        Schedule(() => QueueTimeout, x => x.QueueTimeoutToken, schedule => schedule.Received = r => r.CorrelateById(m => m.Message.JobId));

        Initially(
            When(Submitted)
                .Then(context =>
                {
                    context.Saga.Spec = context.Message.Spec;
                    context.Saga.Tenant = context.Message.Tenant;
                    context.Saga.Owner = context.Message.Owner;
                    context.Saga.RetryOf = context.Message.RetryOf;
                    context.Saga.SubmittedAt = context.Message.SubmittedAt.ToUniversalTime();
                    context.Saga.Attempt = 1;
                    context.Saga.UpdatedAt = DateTimeOffset.UtcNow;
                    JobApiTelemetry.RecordSubmitted(context.Saga.Spec.Pool);
                })
                .TransitionTo(Pending)
                .If(context => context.Message.Spec.QueueTimeoutSeconds is not null,
                    timed => timed.Schedule(QueueTimeout,
                        context => new QueueTimeoutExpired(context.Saga.CorrelationId),
                        context => TimeSpan.FromSeconds(context.Saga.Spec.QueueTimeoutSeconds!.Value)))
                .Respond(context => new JobAccepted(context.Saga.CorrelationId, nameof(Pending)))
                .Publish(context => Place(context.Saga)));

        // Not started in time: a waiting job ends; a placed one is also stopped before (or as) it starts.
        During(Pending, Retrying,
            When(QueueTimeout.Received)
                .Then(context => MarkQueueTimedOut(context.Saga))
                .TransitionTo(TimedOut)
                .Publish(context => Ended(context.Saga)));
        During(Assigned,
            When(QueueTimeout.Received)
                .Then(context => MarkQueueTimedOut(context.Saga))
                .Send(
                    context => ExecutorEndpoint.ControlAddress(context.Saga.ExecutorId!),
                    context => new StopJob(context.Saga.CorrelationId, context.Saga.Attempt, 0))
                .TransitionTo(TimedOut)
                .Publish(context => Ended(context.Saga)));

        During(Pending, Retrying,
            When(Delayed, context => context.Message.Attempt == context.Saga.Attempt)
                .Then(context =>
                {
                    context.Saga.StatusDetail = context.Message.Reason;
                    context.Saga.UpdatedAt = DateTimeOffset.UtcNow;
                }),
            When(Placed, context => context.Message.Attempt == context.Saga.Attempt)
                .Then(context =>
                {
                    var now = DateTimeOffset.UtcNow;
                    context.Saga.StatusDetail = null;
                    var attempt = context.Saga.CurrentAttempt();
                    attempt.ExecutorId = context.Message.ExecutorId;
                    attempt.AssignedAt = now;
                    context.Saga.ExecutorId = context.Message.ExecutorId;
                    context.Saga.AssignedAt = now;
                    context.Saga.NextAttemptAt = null;
                    context.Saga.UpdatedAt = now;
                })
                .TransitionTo(Assigned)
                .Send(
                    context => ExecutorEndpoint.Address(context.Saga.ExecutorId!),
                    context => new ExecuteJob(context.Saga.CorrelationId, context.Saga.Attempt, context.Saga.Spec)),
            When(CancelRequested)
                .Then(context => MarkCancelRequested(context.Saga))
                .Unschedule(QueueTimeout)
                .TransitionTo(Canceled)
                .Respond(context => new CancelJobResult(context.Saga.CorrelationId, nameof(Canceled), true))
                .Publish(context => Ended(context.Saga)));

        During(Assigned,
            When(Started, context => context.Message.Attempt == context.Saga.Attempt)
                .Then(context => RecordStart(context.Saga, context.Message))
                .Unschedule(QueueTimeout)
                .TransitionTo(Running));

        // The finish can overtake the start (both are events, redelivery reorders them), so Assigned accepts it too.
        During(Assigned, Running,
            When(AttemptFinished, context => context.Message.Attempt == context.Saga.Attempt)
                .Then(context => RecordFinish(context.Saga, context.Message))
                .IfElse(context => context.Saga.CurrentAttempt().Outcome == AttemptOutcomes.Succeeded,
                    succeeded => succeeded.TransitionTo(Succeeded).Publish(context => Ended(context.Saga)),
                    failed => RetryOrEnd(failed)),
            RetryOrEnd(When(ExecutorLost, context => context.Message.Attempt == context.Saga.Attempt)
                .Then(context => RecordLost(context.Saga, context.Message))),
            When(CancelRequested)
                .Then(context => MarkCancelRequested(context.Saga))
                .Unschedule(QueueTimeout)
                .TransitionTo(Canceling)
                .Send(
                    context => ExecutorEndpoint.ControlAddress(context.Saga.ExecutorId!),
                    context => new StopJob(context.Saga.CorrelationId, context.Saga.Attempt, context.Saga.Spec.CancelGraceSeconds))
                .Respond(context => new CancelJobResult(context.Saga.CorrelationId, nameof(Canceling), true)));

        During(Canceling,
            When(Started, context => context.Message.Attempt == context.Saga.Attempt)
                .Then(context => RecordStart(context.Saga, context.Message)),
            // Whatever the attempt's end, the job ends now; only a run that finished cleanly before the stop landed succeeded.
            When(AttemptFinished, context => context.Message.Attempt == context.Saga.Attempt)
                .Then(context => RecordFinish(context.Saga, context.Message))
                .IfElse(context => context.Saga.CurrentAttempt().Outcome == AttemptOutcomes.Succeeded,
                    succeeded => succeeded.TransitionTo(Succeeded),
                    canceled => canceled.TransitionTo(Canceled))
                .Publish(context => Ended(context.Saga)),
            // Nobody is left to confirm the stop: the attempt is lost and the job canceled.
            When(ExecutorLost, context => context.Message.Attempt == context.Saga.Attempt)
                .Then(context => RecordLost(context.Saga, context.Message))
                .TransitionTo(Canceled)
                .Publish(context => Ended(context.Saga)),
            When(CancelRequested)
                .Respond(context => new CancelJobResult(context.Saga.CorrelationId, nameof(Canceling), true)));

        During(new[] { Succeeded, Failed, TimedOut, Canceled, Lost },
            When(CancelRequested)
                .Respond(context => new CancelJobResult(context.Saga.CorrelationId, context.Saga.CurrentState, false)));

        // Events of an older attempt, or arriving after the job moved on, are recorded on their attempt and change nothing else.
        DuringAny(
            When(AttemptFinished, context => context.Message.Attempt != context.Saga.Attempt)
                .Then(context => RecordStale(context.Saga, context.Message)),
            When(Submitted)
                .Respond(context => new JobAccepted(context.Saga.CorrelationId, context.Saga.CurrentState)));

        // Duplicates and events that do not apply in the current state are expected under at-least-once delivery.
        OnUnhandledEvent(context => context.Ignore());
    }

    public State Pending { get; private set; } = null!;
    public State Assigned { get; private set; } = null!;
    public State Running { get; private set; } = null!;
    public State Retrying { get; private set; } = null!;
    public State Canceling { get; private set; } = null!;
    public State Succeeded { get; private set; } = null!;
    public State Failed { get; private set; } = null!;
    public State TimedOut { get; private set; } = null!;
    public State Canceled { get; private set; } = null!;
    public State Lost { get; private set; } = null!;

    public Event<SubmitJob> Submitted { get; private set; } = null!;
    public Event<JobPlaced> Placed { get; private set; } = null!;
    public Event<JobStarted> Started { get; private set; } = null!;
    public Event<JobAttemptFinished> AttemptFinished { get; private set; } = null!;
    public Event<CancelJob> CancelRequested { get; private set; } = null!;
    public Event<AttemptLost> ExecutorLost { get; private set; } = null!;
    public Event<PlacementDelayed> Delayed { get; private set; } = null!;
    public Schedule<JobState, QueueTimeoutExpired> QueueTimeout { get; private set; } = null!;

    /// <summary>After a failed attempt: the next attempt if the policy allows one, else the terminal state that fits the failure.</summary>
    EventActivityBinder<JobState, T> RetryOrEnd<T>(EventActivityBinder<JobState, T> binder)
        where T : class => binder.IfElse(context => ShouldRetry(context.Saga),
            retry => retry
                .Then(context => ScheduleRetry(context.Saga))
                .TransitionTo(Retrying)
                .Publish(context => Place(context.Saga)),
            end => end
                .IfElse(context => context.Saga.CurrentAttempt().Outcome == AttemptOutcomes.TimedOut,
                    timedOut => timedOut.TransitionTo(TimedOut),
                    other => other.IfElse(context => context.Saga.CurrentAttempt().Outcome == AttemptOutcomes.Lost,
                        lost => lost.TransitionTo(Lost),
                        failed => failed.TransitionTo(Failed)))
                .Publish(context => Ended(context.Saga)));

    /// <summary>What the job waits on in its state, sent again (see <see cref="ResendOnRedelivery"/>); nothing while it runs.</summary>
    internal static Task Resend(ConsumeContext context, JobState job) => Resend(context, context, job);

    /// <summary>
    /// What the job waits on in its state, sent again through <paramref name="publisher"/> and <paramref name="sender"/>
    /// (a delivery's context, or the bus for <see cref="Jobs.JobApi.Api.StalledJobSweeper"/>).
    /// </summary>
    internal static async Task Resend(IPublishEndpoint publisher, ISendEndpointProvider sender, JobState job)
    {
        switch (job.CurrentState)
        {
            case nameof(Pending) or nameof(Retrying):
                await publisher.Publish(Place(job));
                break;
            case nameof(Assigned):
                var executor = await sender.GetSendEndpoint(ExecutorEndpoint.Address(job.ExecutorId!));
                await executor.Send(new ExecuteJob(job.CorrelationId, job.Attempt, job.Spec));
                break;
            case nameof(Canceling):
                var control = await sender.GetSendEndpoint(ExecutorEndpoint.ControlAddress(job.ExecutorId!));
                await control.Send(new StopJob(job.CorrelationId, job.Attempt, job.Spec.CancelGraceSeconds));
                break;
            case nameof(Succeeded) or nameof(Failed) or nameof(TimedOut) or nameof(Canceled) or nameof(Lost):
                // Not through Ended: the job's end was counted when it happened.
                await publisher.Publish(new JobEnded(job.CorrelationId, job.CurrentState, job.Attempt, job.UpdatedAt));
                break;
        }
    }

    static PlaceJob Place(JobState job) => new(job.CorrelationId, job.Attempt, job.Spec.Pool, DateTimeOffset.UtcNow)
    {
        NotBefore = job.NextAttemptAt,
        ExecutorId = job.Spec.ExecutorId,
        ExecutorLabels = job.Spec.ExecutorLabels,
        Priority = job.Spec.Priority,
    };

    static JobEnded Ended(JobState job)
    {
        JobApiTelemetry.RecordEnded(job.Spec.Pool, job.CurrentState);
        return new(job.CorrelationId, job.CurrentState, job.Attempt, DateTimeOffset.UtcNow);
    }

    static void RecordStart(JobState job, JobStarted started)
    {
        job.StartedAt = started.StartedAt.ToUniversalTime();
        if (job.Attempt == 1)
            JobApiTelemetry.RecordQueueWait(job.Spec.Pool, job.StartedAt.Value - job.SubmittedAt);
        job.CurrentAttempt().StartedAt = job.StartedAt;
        job.UpdatedAt = DateTimeOffset.UtcNow;
    }

    static void RecordFinish(JobState job, JobAttemptFinished finished)
    {
        var attempt = job.CurrentAttempt();
        Record(attempt, finished);
        JobApiTelemetry.RecordRunTime(job.Spec.Pool, attempt.Outcome!, attempt.FinishedAt!.Value - attempt.StartedAt!.Value);
        job.ExitCode = attempt.ExitCode;
        job.Error = attempt.Error;
        job.LogChunks = attempt.LogChunks;
        job.FinishedAt = attempt.FinishedAt;
        job.StartedAt ??= attempt.StartedAt;
        job.UpdatedAt = DateTimeOffset.UtcNow;
    }

    static void RecordLost(JobState job, AttemptLost lost)
    {
        var attempt = job.CurrentAttempt();
        attempt.ExecutorId ??= lost.ExecutorId;
        attempt.FinishedAt = lost.DetectedAt.ToUniversalTime();
        attempt.Outcome = AttemptOutcomes.Lost;
        attempt.Error = $"Executor {lost.ExecutorId} stopped sending heartbeats.";
        job.Error = attempt.Error;
        job.ExitCode = null;
        job.FinishedAt = attempt.FinishedAt;
        job.UpdatedAt = DateTimeOffset.UtcNow;
    }

    static void RecordStale(JobState job, JobAttemptFinished finished)
    {
        var attempt = job.Attempts.Find(a => a.Number == finished.Attempt);
        if (attempt is { Outcome: null })
            Record(attempt, finished);
    }

    static void Record(JobAttempt attempt, JobAttemptFinished finished)
    {
        attempt.ExecutorId ??= finished.ExecutorId;
        attempt.ExitCode = finished.ExitCode;
        attempt.Signal = finished.Signal;
        attempt.Error = finished.Error;
        attempt.LogChunks = finished.LogChunks;
        attempt.OutputBytes = finished.OutputBytes;
        attempt.OutputTruncated = finished.OutputTruncated;
        attempt.EnforcedLimits = [.. finished.EnforcedLimits];
        attempt.UnenforcedLimits = [.. finished.UnenforcedLimits];
        attempt.CpuMicroseconds = finished.CpuMicroseconds;
        attempt.PeakMemoryBytes = finished.PeakMemoryBytes;
        attempt.FinishedAt = finished.FinishedAt.ToUniversalTime();
        attempt.StartedAt ??= attempt.FinishedAt;
        attempt.Outcome = AttemptOutcomes.Of(finished);
    }

    static bool ShouldRetry(JobState job) =>
        job.Attempt < job.Spec.Retry.MaxAttempts
        && AttemptOutcomes.ClassOf(job.CurrentAttempt().Outcome!) is { } failure
        && job.Spec.Retry.RetryOn.Contains(failure);

    static void ScheduleRetry(JobState job)
    {
        JobApiTelemetry.RecordRetry(job.Spec.Pool, AttemptOutcomes.ClassOf(job.CurrentAttempt().Outcome!)?.ToString() ?? "none");
        job.NextAttemptAt = DateTimeOffset.UtcNow + RetryDelay.For(job.Spec.Retry, job.Attempt);
        job.Attempt++;
        job.ExecutorId = null;
        job.AssignedAt = null;
        job.StartedAt = null;
        job.FinishedAt = null;
        job.ExitCode = null;
        job.Error = null;
        job.LogChunks = null;
        job.UpdatedAt = DateTimeOffset.UtcNow;
    }

    static void MarkQueueTimedOut(JobState job)
    {
        var attempt = job.Attempts.Find(a => a.Number == job.Attempt);
        if (attempt is not null)
            attempt.Outcome = AttemptOutcomes.TimedOut;
        job.Error = $"Not started within the queue timeout of {job.Spec.QueueTimeoutSeconds} s.";
        job.NextAttemptAt = null;
        job.UpdatedAt = DateTimeOffset.UtcNow;
    }

    static void MarkCancelRequested(JobState job)
    {
        job.CancelRequestedAt = DateTimeOffset.UtcNow;
        job.NextAttemptAt = null;
        job.UpdatedAt = job.CancelRequestedAt.Value;
    }
}
