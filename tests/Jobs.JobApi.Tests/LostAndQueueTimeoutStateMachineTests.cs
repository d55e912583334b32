using Jobs.Contracts;
using Jobs.JobApi.StateMachines;
using MassTransit;
using MassTransit.Scheduling;
using MassTransit.Testing;

namespace Jobs.JobApi.Tests;

/// <summary>
/// Lost executors (<see cref="AttemptLost"/> from the Scheduler) and the queue timeout, on the in-memory harness with a
/// publish scheduler as in production: scheduling publishes <see cref="ScheduleMessage"/>, unscheduling
/// <see cref="CancelScheduledMessage"/>. Nothing consumes those here; a test delivers <see cref="QueueTimeoutExpired"/>
/// itself, as the timer would. Observed: MassTransit accepts it without an <c>MT-Scheduling-TokenId</c> header, accepts
/// it with the saga's token, and ignores it with any other token.
/// </summary>
public sealed class LostAndQueueTimeoutStateMachineTests : IAsyncLifetime
{
    const string SchedulingTokenIdHeader = "MT-Scheduling-TokenId";

    static readonly JobSpec RetrySpec = InMemoryJobSaga.Spec with
    {
        CancelGraceSeconds = 7,
        Retry = new RetryPolicy { MaxAttempts = 3, InitialDelaySeconds = 30, BackoffMultiplier = 2, Jitter = 0 },
    };

    static readonly JobSpec QueueTimeoutSpec = RetrySpec with { QueueTimeoutSeconds = 30 };

    InMemoryJobSaga saga = null!;

    public async Task InitializeAsync() => saga = await InMemoryJobSaga.Start(publishScheduler: true);

    public async Task DisposeAsync() => await saga.DisposeAsync();

    // ---- lost executors ----

    [Theory]
    [InlineData("Assigned")]
    [InlineData("Running")]
    public async Task Lost_WithLostRetriedAndAttemptsLeft_RecordsLostAndRetriesWithAPlaceJobForAttemptTwo(string from)
    {
        var jobId = from == "Assigned" ? await Assigned(RetrySpec) : await Running(RetrySpec);
        var detectedAt = DateTimeOffset.UtcNow.AddSeconds(-1);

        await saga.Deliver(new AttemptLost(jobId, 1, "e1", detectedAt));

        var job = await saga.WaitFor(jobId, m => m.Retrying);
        Assert.Equal(2, job.Attempt);
        Assert.Null(job.ExecutorId);
        Assert.NotNull(job.NextAttemptAt);
        var first = Assert.Single(job.Attempts);
        Assert.Equal((1, "e1", AttemptOutcomes.Lost, (int?)null, (DateTimeOffset?)detectedAt), (first.Number, first.ExecutorId, first.Outcome, first.ExitCode, first.FinishedAt));
        Assert.Contains("heartbeats", first.Error);
        Assert.Contains("e1", first.Error);
        var place = (await InMemoryJobSaga.Until(
            () => saga.Harness.Published.Select<PlaceJob>(x => x.Context.Message.JobId == jobId && x.Context.Message.Attempt == 2, HarnessLists.NoWait).SingleOrDefault(),
            "PlaceJob for attempt 2")).Context.Message;
        Assert.Equal(job.NextAttemptAt, place.NotBefore);
        saga.AssertNoJobEnded(jobId);
    }

    [Fact]
    public async Task Lost_WhenLostIsNotRetried_EndsLostWithOneJobEnded()
    {
        var spec = RetrySpec with { Retry = RetrySpec.Retry with { RetryOn = [FailureClass.ExitCode, FailureClass.Timeout] } };
        var jobId = await Running(spec);

        await saga.Deliver(new AttemptLost(jobId, 1, "e1", DateTimeOffset.UtcNow));

        var job = await saga.WaitFor(jobId, m => m.Lost);
        Assert.Equal(1, job.Attempt);
        Assert.Contains("heartbeats", job.Error);
        Assert.Null(job.ExitCode);
        Assert.NotNull(job.FinishedAt);
        Assert.Equal(AttemptOutcomes.Lost, Assert.Single(job.Attempts).Outcome);
        Assert.Single(saga.Harness.Published.Select<PlaceJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait));
        await saga.AssertOneJobEnded(jobId, "Lost", attempts: 1);
    }

    [Fact]
    public async Task Lost_OnTheLastAttempt_EndsLostEvenIfEarlierAttemptsFailedDifferently()
    {
        var spec = RetrySpec with { Retry = RetrySpec.Retry with { MaxAttempts = 2 } };
        var jobId = await Running(spec);
        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 1));
        await saga.WaitFor(jobId, m => m.Retrying);
        await saga.Deliver(new JobPlaced(jobId, 2, "e2"));
        await saga.WaitFor(jobId, m => m.Assigned);

        await saga.Deliver(new AttemptLost(jobId, 2, "e2", DateTimeOffset.UtcNow));

        var job = await saga.WaitFor(jobId, m => m.Lost);
        Assert.Equal(
            [(1, "e1", AttemptOutcomes.Failed), (2, "e2", AttemptOutcomes.Lost)],
            job.Attempts.OrderBy(a => a.Number).Select(a => (a.Number, a.ExecutorId, a.Outcome)));
        await saga.AssertOneJobEnded(jobId, "Lost", attempts: 2);
    }

    [Fact]
    public async Task LostTwice_TheDuplicateChangesNothing()
    {
        var spec = RetrySpec with { Retry = RetrySpec.Retry with { MaxAttempts = 1 } };
        var jobId = await Running(spec);
        var lost = new AttemptLost(jobId, 1, "e1", DateTimeOffset.UtcNow);

        await saga.Deliver(lost);
        await saga.WaitFor(jobId, m => m.Lost);
        await saga.Deliver(lost);

        Assert.Equal("Lost", saga.Job(jobId).CurrentState);
        await saga.AssertOneJobEnded(jobId, "Lost", attempts: 1);
    }

    [Fact]
    public async Task Lost_WhileCanceling_EndsCanceledWithoutAStopAnswer()
    {
        var jobId = await Running(RetrySpec);
        await saga.Cancel(jobId);
        await saga.WaitFor(jobId, m => m.Canceling);

        await saga.Deliver(new AttemptLost(jobId, 1, "e1", DateTimeOffset.UtcNow));

        var job = await saga.WaitFor(jobId, m => m.Canceled);
        Assert.Equal(1, job.Attempt);
        Assert.Equal(AttemptOutcomes.Lost, Assert.Single(job.Attempts).Outcome);
        Assert.Single(saga.Harness.Published.Select<PlaceJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait));
        await saga.AssertOneJobEnded(jobId, "Canceled", attempts: 1);
    }

    [Fact]
    public async Task LostOfAnOlderAttempt_WhileTheNextRuns_ChangesNothing()
    {
        var jobId = await Running(RetrySpec);
        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 1));
        await saga.WaitFor(jobId, m => m.Retrying);
        await saga.Deliver(new JobPlaced(jobId, 2, "e2"));
        await saga.Deliver(new JobStarted(jobId, 2, "e2", 1, DateTimeOffset.UtcNow));
        var before = Snapshot(await saga.WaitFor(jobId, m => m.Running));

        await saga.Deliver(new AttemptLost(jobId, 1, "e1", DateTimeOffset.UtcNow));

        var job = saga.Job(jobId);
        Assert.Equal(("Running", 2), (job.CurrentState, job.Attempt));
        Assert.Equal(before, Snapshot(job));
        Assert.Equal(2, saga.Harness.Published.Select<PlaceJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).Count());
        saga.AssertNoJobEnded(jobId);
    }

    [Fact]
    public async Task LostOfAnotherAttemptNumber_WhileRunning_ChangesNothing()
    {
        var jobId = await Running(RetrySpec);

        await saga.Deliver(new AttemptLost(jobId, 2, "e1", DateTimeOffset.UtcNow));

        var job = saga.Job(jobId);
        Assert.Equal(("Running", 1), (job.CurrentState, job.Attempt));
        Assert.Null(Assert.Single(job.Attempts).Outcome);
        Assert.Null(job.Error);
        saga.AssertNoJobEnded(jobId);
    }

    [Theory]
    [InlineData("Pending")]
    [InlineData("Succeeded")]
    public async Task Lost_WhenNotPlacedOrAlreadyEnded_IsIgnored(string state)
    {
        var jobId = await Pending(RetrySpec);
        if (state == "Succeeded")
        {
            await saga.Deliver(new JobPlaced(jobId, 1, "e1"));
            await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 0));
            await saga.WaitFor(jobId, m => m.Succeeded);
        }

        await saga.Deliver(new AttemptLost(jobId, 1, "e1", DateTimeOffset.UtcNow));

        Assert.Equal(state, saga.Job(jobId).CurrentState);
        Assert.All(saga.Job(jobId).Attempts, a => Assert.NotEqual(AttemptOutcomes.Lost, a.Outcome));
    }

    [Fact]
    public async Task LateFinishOfALostAttempt_AfterTheRetryWasScheduled_KeepsItLost()
    {
        var jobId = await Running(RetrySpec);
        await saga.Deliver(new AttemptLost(jobId, 1, "e1", DateTimeOffset.UtcNow));
        await saga.WaitFor(jobId, m => m.Retrying);

        // The executor was only slow: its report of attempt 1 arrives after the loss.
        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 0));

        var job = saga.Job(jobId);
        Assert.Equal(("Retrying", 2), (job.CurrentState, job.Attempt));
        Assert.Equal(AttemptOutcomes.Lost, job.Attempts.Single(a => a.Number == 1).Outcome);
        saga.AssertNoJobEnded(jobId);
    }

    // ---- queue timeout ----

    [Fact]
    public async Task SubmitWithQueueTimeout_PublishesAScheduleMessageForThatLaterWithTheSagasToken()
    {
        var before = DateTimeOffset.UtcNow;

        var jobId = await Pending(QueueTimeoutSpec);

        var schedule = (await InMemoryJobSaga.Until(
            () => saga.Harness.Published.Select<ScheduleMessage>(HarnessLists.NoWait).SingleOrDefault(),
            "ScheduleMessage to be published")).Context.Message;
        var job = saga.Job(jobId);
        Assert.NotNull(job.QueueTimeoutToken);
        Assert.Equal(job.QueueTimeoutToken, schedule.CorrelationId);
        Assert.InRange(schedule.ScheduledTime, before.AddSeconds(30).UtcDateTime.AddSeconds(-1), DateTime.UtcNow.AddSeconds(31));
        Assert.Contains(schedule.PayloadType, t => t.Contains(nameof(QueueTimeoutExpired)));
    }

    [Fact]
    public async Task SubmitWithoutQueueTimeout_SchedulesNothing()
    {
        var jobId = await Pending(RetrySpec);

        // A schedule would be published inside the submit's consume: once that consume has ended, none can follow.
        await InMemoryJobSaga.Until(
            () => saga.Harness.Consumed.Select<SubmitJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).FirstOrDefault(),
            "the submit to be consumed");
        Assert.Null(saga.Job(jobId).QueueTimeoutToken);
        Assert.Empty(saga.Harness.Published.Select<ScheduleMessage>(HarnessLists.NoWait));
    }

    [Fact]
    public async Task QueueTimeout_WhilePending_EndsTimedOutWithOneJobEnded()
    {
        var jobId = await Pending(QueueTimeoutSpec);

        await saga.Deliver(new QueueTimeoutExpired(jobId));

        var job = await saga.WaitFor(jobId, m => m.TimedOut);
        Assert.Contains("queue timeout", job.Error);
        Assert.Null(job.QueueTimeoutToken);
        saga.AssertNoStop(jobId);
        await saga.AssertOneJobEnded(jobId, "TimedOut", attempts: 1);
    }

    [Fact]
    public async Task QueueTimeout_WhileRetrying_EndsTimedOutAndThePlacementForTheNextAttemptIsNotUsed()
    {
        var jobId = await Assigned(QueueTimeoutSpec);
        // The finish overtook the start: the job never started, so its queue timeout still runs.
        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 1));
        await saga.WaitFor(jobId, m => m.Retrying);

        await saga.Deliver(new QueueTimeoutExpired(jobId));

        var job = await saga.WaitFor(jobId, m => m.TimedOut);
        Assert.Equal(2, job.Attempt);
        Assert.Null(job.NextAttemptAt);
        await saga.AssertOneJobEnded(jobId, "TimedOut", attempts: 2);
        await saga.Deliver(new JobPlaced(jobId, 2, "e2"));
        Assert.Empty(saga.Harness.Sent.Select<ExecuteJob>(x => x.Context.Message.JobId == jobId && x.Context.Message.Attempt == 2, HarnessLists.NoWait));
    }

    [Fact]
    public async Task QueueTimeout_WhileAssigned_EndsTimedOutAndStopsTheAttemptWithoutGrace()
    {
        var jobId = await Assigned(QueueTimeoutSpec);

        await saga.Deliver(new QueueTimeoutExpired(jobId));

        var job = await saga.WaitFor(jobId, m => m.TimedOut);
        Assert.Equal(AttemptOutcomes.TimedOut, Assert.Single(job.Attempts).Outcome);
        var stop = await InMemoryJobSaga.Until(
            () => saga.Harness.Sent.Select<StopJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).SingleOrDefault(),
            "StopJob to be sent");
        Assert.Equal(new StopJob(jobId, 1, 0), stop.Context.Message);
        Assert.Equal("executor-e1-control", stop.Context.DestinationAddress!.AbsolutePath.Split('/')[^1]);
        await saga.AssertOneJobEnded(jobId, "TimedOut", attempts: 1);
    }

    [Fact]
    public async Task StartWhileAssigned_UnschedulesTheQueueTimeoutAndALateExpiryIsIgnored()
    {
        var jobId = await Assigned(QueueTimeoutSpec);
        var token = saga.Job(jobId).QueueTimeoutToken;
        Assert.NotNull(token);

        await saga.Deliver(new JobStarted(jobId, 1, "e1", 4242, DateTimeOffset.UtcNow));
        await saga.WaitFor(jobId, m => m.Running);

        var cancel = (await InMemoryJobSaga.Until(
            () => saga.Harness.Published.Select<CancelScheduledMessage>(HarnessLists.NoWait).SingleOrDefault(),
            "CancelScheduledMessage to be published")).Context.Message;
        Assert.Equal(token, cancel.TokenId);
        Assert.Null(saga.Job(jobId).QueueTimeoutToken);

        // The timer fired anyway (the cancel came too late): with the old token, and without any.
        await saga.Deliver(new QueueTimeoutExpired(jobId), c => c.Headers.Set(SchedulingTokenIdHeader, token!.Value.ToString()));
        await saga.Deliver(new QueueTimeoutExpired(jobId));

        Assert.Equal("Running", saga.Job(jobId).CurrentState);
        saga.AssertNoStop(jobId);
        saga.AssertNoJobEnded(jobId);
    }

    [Fact]
    public async Task QueueTimeoutWithAnotherToken_IsIgnoredAndWithTheSagasTokenIsAccepted()
    {
        var jobId = await Pending(QueueTimeoutSpec);
        var token = saga.Job(jobId).QueueTimeoutToken!.Value;

        await saga.Deliver(new QueueTimeoutExpired(jobId), c => c.Headers.Set(SchedulingTokenIdHeader, NewId.NextGuid().ToString()));
        var afterOther = saga.Job(jobId);
        Assert.Equal("Pending", afterOther.CurrentState);
        Assert.Equal(token, afterOther.QueueTimeoutToken);

        await saga.Deliver(new QueueTimeoutExpired(jobId), c => c.Headers.Set(SchedulingTokenIdHeader, token.ToString()));

        await saga.WaitFor(jobId, m => m.TimedOut);
        await saga.AssertOneJobEnded(jobId, "TimedOut", attempts: 1);
    }

    [Theory]
    [InlineData("Running")]
    [InlineData("TimedOut")]
    [InlineData("Canceled")]
    public async Task QueueTimeout_WhenStartedOrEnded_IsIgnored(string state)
    {
        Guid jobId;
        switch (state)
        {
            case "Running":
                jobId = await Running(QueueTimeoutSpec);
                break;
            case "TimedOut":
                jobId = await Pending(QueueTimeoutSpec);
                await saga.Deliver(new QueueTimeoutExpired(jobId));
                await saga.WaitFor(jobId, m => m.TimedOut);
                break;
            default:
                jobId = await Pending(QueueTimeoutSpec);
                await saga.Cancel(jobId);
                await saga.WaitFor(jobId, m => m.Canceled);
                break;
        }

        await saga.Deliver(new QueueTimeoutExpired(jobId));

        Assert.Equal(state, saga.Job(jobId).CurrentState);
        saga.AssertNoStop(jobId);
        var ended = saga.Harness.Published.Select<JobEnded>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).ToList();
        Assert.Equal(state == "Running" ? 0 : 1, ended.Count);
    }

    // ---- steps and assertions ----

    async Task<Guid> Pending(JobSpec spec)
    {
        var jobId = NewId.NextGuid();
        await saga.Submit(jobId, spec);
        await saga.WaitFor(jobId, m => m.Pending);
        return jobId;
    }

    async Task<Guid> Assigned(JobSpec spec, string executorId = "e1")
    {
        var jobId = await Pending(spec);
        await saga.Deliver(new JobPlaced(jobId, 1, executorId));
        await saga.WaitFor(jobId, m => m.Assigned);
        return jobId;
    }

    async Task<Guid> Running(JobSpec spec, string executorId = "e1")
    {
        var jobId = await Assigned(spec, executorId);
        await saga.Deliver(new JobStarted(jobId, 1, executorId, 4242, DateTimeOffset.UtcNow));
        await saga.WaitFor(jobId, m => m.Running);
        return jobId;
    }

    static (string?, int, string?, string?, DateTimeOffset?) Snapshot(JobState job) =>
        (job.CurrentState, job.Attempt, job.ExecutorId, job.Error, job.FinishedAt);
}
