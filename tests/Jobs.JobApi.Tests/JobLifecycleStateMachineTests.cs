using Jobs.Contracts;
using Jobs.JobApi.StateMachines;
using Jobs.Testing;
using MassTransit;
using MassTransit.Testing;

namespace Jobs.JobApi.Tests;

/// <summary>The job's lifecycle on the in-memory harness: retries with backoff, fencing by attempt, cancellation, terminal states.</summary>
public sealed class JobLifecycleStateMachineTests : IAsyncLifetime
{
    /// <summary>Three attempts, a fixed 30 s first delay (no jitter), and a grace period of its own.</summary>
    static readonly JobSpec RetrySpec = InMemoryJobSaga.Spec with
    {
        CancelGraceSeconds = 7,
        Retry = new RetryPolicy { MaxAttempts = 3, InitialDelaySeconds = 30, BackoffMultiplier = 2, Jitter = 0 },
    };

    InMemoryJobSaga saga = null!;

    public async Task InitializeAsync() => saga = await InMemoryJobSaga.Start();

    public async Task DisposeAsync() => await saga.DisposeAsync();

    // ---- retries ----

    [Fact]
    public async Task NonZeroExitWithRetriesLeft_RetriesAfterTheInitialDelayWithAPlaceJobForAttemptTwo()
    {
        var jobId = await Running(RetrySpec);
        var before = DateTimeOffset.UtcNow;

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 1));

        var job = await saga.WaitFor(jobId, m => m.Retrying);
        var after = DateTimeOffset.UtcNow;
        Assert.Equal(2, job.Attempt);
        Assert.NotNull(job.NextAttemptAt);
        Assert.InRange(job.NextAttemptAt!.Value, before.AddSeconds(30), after.AddSeconds(30));
        Assert.Null(job.ExecutorId);
        var place = (await InMemoryJobSaga.Until(
            () => saga.Harness.Published.Select<PlaceJob>(x => x.Context.Message.JobId == jobId && x.Context.Message.Attempt == 2, HarnessLists.NoWait).SingleOrDefault(),
            "PlaceJob for attempt 2")).Context.Message;
        Assert.Equal(job.NextAttemptAt, place.NotBefore);
        Assert.Equal("gpu", place.Pool);
        Assert.Null(place.ExecutorId);
        var first = Assert.Single(job.Attempts);
        Assert.Equal((1, "e1", AttemptOutcomes.Failed, (int?)1), (first.Number, first.ExecutorId, first.Outcome, first.ExitCode));
        saga.AssertNoJobEnded(jobId);
    }

    [Fact]
    public async Task SecondRetry_WaitsInitialDelayTimesTheMultiplier()
    {
        var jobId = await Retrying(RetrySpec);
        await saga.Deliver(new JobPlaced(jobId, 2, "e2"));
        await saga.WaitFor(jobId, m => m.Assigned);
        var before = DateTimeOffset.UtcNow;

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 1, attempt: 2) with { ExecutorId = "e2" });

        var job = await saga.WaitFor(jobId, m => m.Retrying);
        Assert.Equal(3, job.Attempt);
        Assert.InRange(job.NextAttemptAt!.Value, before.AddSeconds(60), DateTimeOffset.UtcNow.AddSeconds(60));
        var place = (await InMemoryJobSaga.Until(
            () => saga.Harness.Published.Select<PlaceJob>(x => x.Context.Message.JobId == jobId && x.Context.Message.Attempt == 3, HarnessLists.NoWait).SingleOrDefault(),
            "PlaceJob for attempt 3")).Context.Message;
        Assert.Equal(job.NextAttemptAt, place.NotBefore);
    }

    [Fact]
    public async Task TargetedSpec_PlaceJobCarriesTheExecutorId()
    {
        var spec = RetrySpec with { ExecutorId = "pinned" };

        var jobId = await Retrying(spec);

        var places = saga.Harness.Published.Select<PlaceJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait)
            .Select(x => x.Context.Message).OrderBy(p => p.Attempt).ToList();
        Assert.Equal([1, 2], places.Select(p => p.Attempt));
        Assert.All(places, p => Assert.Equal("pinned", p.ExecutorId));
        Assert.Null(places[0].NotBefore);
        Assert.NotNull(places[1].NotBefore);
    }

    [Fact]
    public async Task PlacedForAttemptTwo_FromRetrying_AssignsAndSendsExecuteJobForAttemptTwo()
    {
        var jobId = await Retrying(RetrySpec);

        await saga.Deliver(new JobPlaced(jobId, 2, "e2"));

        var job = await saga.WaitFor(jobId, m => m.Assigned);
        Assert.Equal(2, job.Attempt);
        Assert.Equal("e2", job.ExecutorId);
        Assert.Null(job.NextAttemptAt);
        Assert.Equal("e2", job.Attempts.Single(a => a.Number == 2).ExecutorId);
        var sent = await InMemoryJobSaga.Until(
            () => saga.Harness.Sent.Select<ExecuteJob>(x => x.Context.Message.JobId == jobId && x.Context.Message.Attempt == 2, HarnessLists.NoWait).SingleOrDefault(),
            "ExecuteJob for attempt 2");
        Assert.Equal("executor-e2", sent.Context.DestinationAddress!.AbsolutePath.Split('/')[^1]);
    }

    [Fact]
    public async Task PlacedForTheOldAttempt_WhileRetrying_ChangesNothing()
    {
        var jobId = await Retrying(RetrySpec);

        await saga.Deliver(new JobPlaced(jobId, 1, "e9"));

        var job = saga.Job(jobId);
        Assert.Equal("Retrying", job.CurrentState);
        Assert.Null(job.ExecutorId);
        Assert.NotNull(job.NextAttemptAt);
        Assert.Single(saga.Harness.Sent.Select<ExecuteJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait));
    }

    [Fact]
    public async Task RetriesExhausted_Fails()
    {
        var spec = RetrySpec with { Retry = RetrySpec.Retry with { MaxAttempts = 2 } };
        var jobId = await Retrying(spec);
        await saga.Deliver(new JobPlaced(jobId, 2, "e2"));
        await saga.Deliver(new JobStarted(jobId, 2, "e2", 77, DateTimeOffset.UtcNow));
        await saga.WaitFor(jobId, m => m.Running);

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 4, attempt: 2) with { ExecutorId = "e2" });

        var job = await saga.WaitFor(jobId, m => m.Failed);
        Assert.Equal(2, job.Attempt);
        Assert.Equal(4, job.ExitCode);
        Assert.Null(job.NextAttemptAt);
        Assert.Equal(2, saga.Harness.Published.Select<PlaceJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).Count());
        await saga.AssertOneJobEnded(jobId, "Failed", attempts: 2);
    }

    [Theory]
    [InlineData(3, true, "Retrying")]
    [InlineData(3, false, "TimedOut")]
    [InlineData(1, true, "TimedOut")]
    public async Task EndTimedOut_RetriesOnlyWhenTimeoutIsRetriedAndAttemptsAreLeft(int maxAttempts, bool retryOnTimeout, string expected)
    {
        var spec = RetrySpec with
        {
            TimeoutSeconds = 5,
            Retry = RetrySpec.Retry with
            {
                MaxAttempts = maxAttempts,
                RetryOn = retryOnTimeout ? [FailureClass.Timeout] : [FailureClass.ExitCode, FailureClass.Lost],
            },
        };
        var jobId = await Running(spec);

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 137) with { End = AttemptEnd.TimedOut, Signal = 9 });

        var job = await saga.WaitFor(jobId, m => expected == "Retrying" ? m.Retrying : m.TimedOut);
        var first = job.Attempts.Single(a => a.Number == 1);
        Assert.Equal((AttemptOutcomes.TimedOut, (int?)137, (int?)9), (first.Outcome, first.ExitCode, first.Signal));
        if (expected == "Retrying")
        {
            Assert.Equal(2, job.Attempt);
            saga.AssertNoJobEnded(jobId);
        }
        else
        {
            Assert.Equal(1, job.Attempt);
            await saga.AssertOneJobEnded(jobId, "TimedOut", attempts: 1);
        }
    }

    [Fact]
    public async Task EndTimedOutOnTheLastAttempt_IsTimedOutEvenIfEarlierAttemptsFailedDifferently()
    {
        var spec = RetrySpec with { Retry = RetrySpec.Retry with { MaxAttempts = 2 } };
        var jobId = await Retrying(spec);
        await saga.Deliver(new JobPlaced(jobId, 2, "e2"));
        await saga.WaitFor(jobId, m => m.Assigned);

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: null, attempt: 2) with { ExecutorId = "e2", End = AttemptEnd.TimedOut, Signal = 15 });

        var job = await saga.WaitFor(jobId, m => m.TimedOut);
        await saga.AssertOneJobEnded(jobId, "TimedOut", attempts: 2);
        Assert.Equal(
            [(1, "e1", AttemptOutcomes.Failed, (int?)1, (int?)null), (2, "e2", AttemptOutcomes.TimedOut, null, 15)],
            job.Attempts.OrderBy(a => a.Number).Select(a => (a.Number, a.ExecutorId, a.Outcome, a.ExitCode, a.Signal)));
    }

    [Fact]
    public async Task EndRejected_IsNotRetriedByDefault()
    {
        var jobId = await Assigned(RetrySpec);

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: null, error: "No such file: x") with { End = AttemptEnd.Rejected });

        var job = await saga.WaitFor(jobId, m => m.Failed);
        Assert.Equal(1, job.Attempt);
        Assert.Equal("No such file: x", job.Error);
        Assert.Equal(AttemptOutcomes.Rejected, Assert.Single(job.Attempts).Outcome);
        Assert.Single(saga.Harness.Published.Select<PlaceJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait));
        await saga.AssertOneJobEnded(jobId, "Failed", attempts: 1);
    }

    [Fact]
    public async Task NoExitCodeWithEndExited_IsARejectionAndNotRetriedByDefault()
    {
        var jobId = await Assigned(RetrySpec);

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: null, error: "not executable"));

        var job = await saga.WaitFor(jobId, m => m.Failed);
        Assert.Equal(AttemptOutcomes.Rejected, Assert.Single(job.Attempts).Outcome);
        await saga.AssertOneJobEnded(jobId, "Failed", attempts: 1);
    }

    [Fact]
    public async Task EndRejected_IsRetriedWhenRetryOnIncludesRejected()
    {
        var spec = RetrySpec with { Retry = RetrySpec.Retry with { RetryOn = [FailureClass.Rejected] } };
        var jobId = await Assigned(spec);

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: null, error: "No such file: x") with { End = AttemptEnd.Rejected });

        var job = await saga.WaitFor(jobId, m => m.Retrying);
        Assert.Equal(2, job.Attempt);
        Assert.Equal(AttemptOutcomes.Rejected, job.Attempts.Single(a => a.Number == 1).Outcome);
        saga.AssertNoJobEnded(jobId);
    }

    [Fact]
    public async Task ExitCodeNotInRetryOn_FailsWithAttemptsLeft()
    {
        var spec = RetrySpec with { Retry = RetrySpec.Retry with { RetryOn = [FailureClass.Timeout] } };
        var jobId = await Running(spec);

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 1));

        await saga.WaitFor(jobId, m => m.Failed);
        await saga.AssertOneJobEnded(jobId, "Failed", attempts: 1);
    }

    // ---- fencing ----

    [Fact]
    public async Task StaleFinishOfAttemptOne_WhileAttemptTwoRuns_ChangesNothing()
    {
        var jobId = await Retrying(RetrySpec);
        await saga.Deliver(new JobPlaced(jobId, 2, "e2"));
        await saga.Deliver(new JobStarted(jobId, 2, "e2", 77, DateTimeOffset.UtcNow));
        var before = await saga.WaitFor(jobId, m => m.Running);
        var attemptOne = Snapshot(before.Attempts.Single(a => a.Number == 1));
        // Job-level finish fields still hold attempt 1's (ScheduleRetry does not clear them); the stale message must not move them.
        var jobFinish = (before.FinishedAt, before.ExitCode, before.LogChunks, before.UpdatedAt);

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 0, logChunks: 50) with { Signal = 9 });

        var job = saga.Job(jobId);
        Assert.Equal("Running", job.CurrentState);
        Assert.Equal(2, job.Attempt);
        Assert.Equal(jobFinish, (job.FinishedAt, job.ExitCode, job.LogChunks, job.UpdatedAt));
        Assert.Equal("e2", job.ExecutorId);
        Assert.Equal(attemptOne, Snapshot(job.Attempts.Single(a => a.Number == 1)));
        var second = job.Attempts.Single(a => a.Number == 2);
        Assert.Null(second.Outcome);
        Assert.Null(second.ExitCode);
        saga.AssertNoJobEnded(jobId);
    }

    [Fact]
    public async Task StaleFinishOfAttemptOne_WhileRetrying_ChangesNothing()
    {
        var jobId = await Retrying(RetrySpec);
        var nextAttemptAt = saga.Job(jobId).NextAttemptAt;

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 0));

        var job = saga.Job(jobId);
        Assert.Equal("Retrying", job.CurrentState);
        Assert.Equal(nextAttemptAt, job.NextAttemptAt);
        Assert.Equal(AttemptOutcomes.Failed, Assert.Single(job.Attempts).Outcome);
        Assert.Equal(2, saga.Harness.Published.Select<PlaceJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).Count());
    }

    [Fact]
    public async Task StaleFinishOfAttemptOne_WithoutAnOutcome_IsRecordedOnAttemptOneOnly()
    {
        var jobId = await Retrying(RetrySpec);
        await saga.Deliver(new JobPlaced(jobId, 2, "e2"));
        await saga.WaitFor(jobId, m => m.Assigned);
        // No transition leaves an earlier attempt without an outcome today; simulate one (e.g. an attempt given up as lost).
        var first = saga.Job(jobId).Attempts.Single(a => a.Number == 1);
        first.Outcome = null;
        first.ExitCode = null;
        first.FinishedAt = null;
        var jobFinish = (saga.Job(jobId).FinishedAt, saga.Job(jobId).ExitCode, saga.Job(jobId).LogChunks);
        var stale = InMemoryJobSaga.Finished(jobId, exitCode: null, logChunks: 8) with { End = AttemptEnd.Stopped, Signal = 9 };

        await saga.Deliver(stale);

        var job = saga.Job(jobId);
        Assert.Equal("Assigned", job.CurrentState);
        Assert.Equal(2, job.Attempt);
        Assert.Equal(jobFinish, (job.FinishedAt, job.ExitCode, job.LogChunks));
        first = job.Attempts.Single(a => a.Number == 1);
        Assert.Equal((AttemptOutcomes.Canceled, (int?)9, (int?)8, (DateTimeOffset?)stale.FinishedAt), (first.Outcome, first.Signal, first.LogChunks, first.FinishedAt));
        Assert.Null(job.Attempts.Single(a => a.Number == 2).Outcome);
        saga.AssertNoJobEnded(jobId);
    }

    [Fact]
    public async Task FinishOfAnUnknownAttempt_AddsNoAttempt()
    {
        var jobId = await Running(RetrySpec);

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 0, attempt: 5));

        var job = saga.Job(jobId);
        Assert.Equal("Running", job.CurrentState);
        Assert.Equal([1], job.Attempts.Select(a => a.Number));
    }

    // ---- cancel ----

    [Fact]
    public async Task CancelPending_CancelsAtOnceWithoutAStop()
    {
        var jobId = await saga.Pending();

        var result = await saga.Cancel(jobId);

        Assert.Equal(new CancelJobResult(jobId, "Canceled", true), result);
        var job = await saga.WaitFor(jobId, m => m.Canceled);
        Assert.NotNull(job.CancelRequestedAt);
        await saga.AssertOneJobEnded(jobId, "Canceled", attempts: 1);
        saga.AssertNoStop(jobId);
    }

    [Fact]
    public async Task CancelRetrying_CancelsAtOnceAndALatePlacementIsIgnored()
    {
        var jobId = await Retrying(RetrySpec);

        var result = await saga.Cancel(jobId);

        Assert.Equal(new CancelJobResult(jobId, "Canceled", true), result);
        var job = await saga.WaitFor(jobId, m => m.Canceled);
        Assert.Null(job.NextAttemptAt);
        await saga.AssertOneJobEnded(jobId, "Canceled", attempts: 2);
        saga.AssertNoStop(jobId);

        await saga.Deliver(new JobPlaced(jobId, 2, "e2"));

        Assert.Equal("Canceled", saga.Job(jobId).CurrentState);
        Assert.Empty(saga.Harness.Sent.Select<ExecuteJob>(x => x.Context.Message.JobId == jobId && x.Context.Message.Attempt == 2, HarnessLists.NoWait));
    }

    [Theory]
    [InlineData("Assigned")]
    [InlineData("Running")]
    public async Task CancelAssignedOrRunning_StopsTheAttemptOnItsExecutorsControlQueue(string from)
    {
        var jobId = from == "Assigned" ? await Assigned(RetrySpec, "host-3") : await Running(RetrySpec, "host-3");

        var result = await saga.Cancel(jobId);

        Assert.Equal(new CancelJobResult(jobId, "Canceling", true), result);
        var job = await saga.WaitFor(jobId, m => m.Canceling);
        Assert.NotNull(job.CancelRequestedAt);
        var stop = await InMemoryJobSaga.Until(
            () => saga.Harness.Sent.Select<StopJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).SingleOrDefault(),
            "StopJob to be sent");
        Assert.Equal(new StopJob(jobId, 1, 7), stop.Context.Message);
        Assert.Equal("executor-host-3-control", stop.Context.DestinationAddress!.AbsolutePath.Split('/')[^1]);
        Assert.False(saga.Harness.Published.Select<StopJob>(HarnessLists.NoWait).Any(), "StopJob goes to one executor, it must not be published.");
        saga.AssertNoJobEnded(jobId);
    }

    [Fact]
    public async Task Canceling_FinishStopped_IsCanceled()
    {
        var jobId = await Canceling(RetrySpec);

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: null) with { End = AttemptEnd.Stopped, Signal = 15 });

        var job = await saga.WaitFor(jobId, m => m.Canceled);
        var attempt = Assert.Single(job.Attempts);
        Assert.Equal(("e1", AttemptOutcomes.Canceled, (int?)null, (int?)15), (attempt.ExecutorId, attempt.Outcome, attempt.ExitCode, attempt.Signal));
        await saga.AssertOneJobEnded(jobId, "Canceled", attempts: 1);
    }

    [Fact]
    public async Task Canceling_FinishExitZeroBeforeTheStopLanded_Succeeds()
    {
        var jobId = await Canceling(RetrySpec);

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 0) with { End = AttemptEnd.Exited });

        var job = await saga.WaitFor(jobId, m => m.Succeeded);
        Assert.Equal(0, job.ExitCode);
        Assert.Equal(AttemptOutcomes.Succeeded, Assert.Single(job.Attempts).Outcome);
        await saga.AssertOneJobEnded(jobId, "Succeeded", attempts: 1);
    }

    [Fact]
    public async Task Canceling_FailedFinishWithRetriesLeft_IsCanceledNotRetried()
    {
        var jobId = await Canceling(RetrySpec);

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 1));

        var job = await saga.WaitFor(jobId, m => m.Canceled);
        Assert.Equal(1, job.Attempt);
        Assert.Equal(AttemptOutcomes.Failed, Assert.Single(job.Attempts).Outcome);
        Assert.Single(saga.Harness.Published.Select<PlaceJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait));
        await saga.AssertOneJobEnded(jobId, "Canceled", attempts: 1);
    }

    [Fact]
    public async Task Canceling_StaleFinish_ChangesNothing()
    {
        var jobId = await Canceling(RetrySpec);

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 0, attempt: 2));

        Assert.Equal("Canceling", saga.Job(jobId).CurrentState);
        saga.AssertNoJobEnded(jobId);
    }

    [Fact]
    public async Task Canceling_SecondCancel_AnswersCancelingAndStopsOnce()
    {
        var jobId = await Canceling(RetrySpec);
        var requestedAt = saga.Job(jobId).CancelRequestedAt;

        var result = await saga.Cancel(jobId);

        Assert.Equal(new CancelJobResult(jobId, "Canceling", true), result);
        var job = saga.Job(jobId);
        Assert.Equal("Canceling", job.CurrentState);
        Assert.Equal(requestedAt, job.CancelRequestedAt);
        Assert.Single(saga.Harness.Sent.Select<StopJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait));
    }

    [Fact]
    public async Task Canceling_StartedOfTheAttempt_IsRecordedAndStaysCanceling()
    {
        var jobId = await Assigned(RetrySpec);
        await saga.Cancel(jobId);
        await saga.WaitFor(jobId, m => m.Canceling);
        var startedAt = DateTimeOffset.UtcNow.AddSeconds(-1);

        await saga.Deliver(new JobStarted(jobId, 1, "e1", 5, startedAt));

        var job = saga.Job(jobId);
        Assert.Equal("Canceling", job.CurrentState);
        Assert.Equal(startedAt, job.StartedAt);
    }

    [Theory]
    [InlineData("Succeeded")]
    [InlineData("Failed")]
    [InlineData("TimedOut")]
    [InlineData("Canceled")]
    public async Task CancelInATerminalState_IsNotAcceptedAndChangesNothing(string terminal)
    {
        var jobId = await Terminal(terminal);
        var before = saga.Job(jobId);
        var (updatedAt, cancelRequestedAt, attempts) = (before.UpdatedAt, before.CancelRequestedAt, before.Attempts.Count);

        var result = await saga.Cancel(jobId);

        Assert.Equal(new CancelJobResult(jobId, terminal, false), result);
        var job = saga.Job(jobId);
        Assert.Equal(terminal, job.CurrentState);
        Assert.Equal(updatedAt, job.UpdatedAt);
        Assert.Equal(cancelRequestedAt, job.CancelRequestedAt);
        Assert.Equal(attempts, job.Attempts.Count);
        saga.AssertNoStop(jobId);
        await saga.AssertOneJobEnded(jobId, terminal, attempts: 1);
    }

    [Theory]
    [InlineData("Succeeded")]
    [InlineData("Failed")]
    [InlineData("TimedOut")]
    [InlineData("Canceled")]
    public async Task LateEventsInATerminalState_PublishNoSecondJobEnded(string terminal)
    {
        var jobId = await Terminal(terminal);

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 0));
        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 1) with { End = AttemptEnd.Stopped });
        await saga.Deliver(new JobPlaced(jobId, 1, "e5"));
        await saga.Deliver(new JobStarted(jobId, 1, "e5", 1, DateTimeOffset.UtcNow));

        Assert.Equal(terminal, saga.Job(jobId).CurrentState);
        await saga.AssertOneJobEnded(jobId, terminal, attempts: 1);
    }

    [Fact]
    public async Task Attempts_HoldOneEntryPerAttemptWithExecutorOutcomeExitCodeAndSignal()
    {
        var jobId = await Running(RetrySpec, "e1");
        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 137) with { End = AttemptEnd.TimedOut, Signal = 9 });
        await saga.WaitFor(jobId, m => m.Retrying);
        await saga.Deliver(new JobPlaced(jobId, 2, "e2"));
        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 3, attempt: 2) with { ExecutorId = "e2" });
        await saga.WaitFor(jobId, m => m.Retrying);
        await saga.Deliver(new JobPlaced(jobId, 3, "e3"));
        await saga.Deliver(new JobStarted(jobId, 3, "e3", 9, DateTimeOffset.UtcNow));
        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 0, attempt: 3) with { ExecutorId = "e3" });

        var job = await saga.WaitFor(jobId, m => m.Succeeded);

        Assert.Equal(
            [
                (1, "e1", AttemptOutcomes.TimedOut, (int?)137, (int?)9),
                (2, "e2", AttemptOutcomes.Failed, 3, null),
                (3, "e3", AttemptOutcomes.Succeeded, 0, null),
            ],
            job.Attempts.OrderBy(a => a.Number).Select(a => (a.Number, a.ExecutorId, a.Outcome, a.ExitCode, a.Signal)));
        Assert.All(job.Attempts, a => Assert.Equal(jobId, a.JobId));
        Assert.All(job.Attempts, a => Assert.NotNull(a.AssignedAt));
        Assert.All(job.Attempts, a => Assert.NotNull(a.FinishedAt));
        Assert.Equal(3, job.Attempt);
        Assert.Equal("e3", job.ExecutorId);
        await saga.AssertOneJobEnded(jobId, "Succeeded", attempts: 3);
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

    /// <summary>Attempt 1 failed with exit 1 on e1; attempt 2 waits for placement.</summary>
    async Task<Guid> Retrying(JobSpec spec)
    {
        var jobId = await Running(spec);
        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 1));
        await saga.WaitFor(jobId, m => m.Retrying);
        return jobId;
    }

    async Task<Guid> Canceling(JobSpec spec)
    {
        var jobId = await Running(spec);
        Assert.Equal("Canceling", (await saga.Cancel(jobId)).Status);
        await saga.WaitFor(jobId, m => m.Canceling);
        return jobId;
    }

    /// <summary>A job with no retries left that ended in <paramref name="status"/> after its first attempt.</summary>
    async Task<Guid> Terminal(string status)
    {
        switch (status)
        {
            case "Canceled":
            {
                var jobId = await saga.Pending();
                await saga.Cancel(jobId);
                await saga.WaitFor(jobId, m => m.Canceled);
                return jobId;
            }
            default:
            {
                var jobId = await saga.Running();
                var finished = status switch
                {
                    "Succeeded" => InMemoryJobSaga.Finished(jobId, exitCode: 0),
                    "Failed" => InMemoryJobSaga.Finished(jobId, exitCode: 1),
                    "TimedOut" => InMemoryJobSaga.Finished(jobId, exitCode: null) with { End = AttemptEnd.TimedOut, Signal = 9 },
                    _ => throw new ArgumentOutOfRangeException(nameof(status)),
                };
                await saga.Deliver(finished);
                await InMemoryJobSaga.Until(() => saga.Job(jobId).CurrentState == status ? saga.Job(jobId) : null, $"job to be {status}");
                return jobId;
            }
        }
    }

    static (string?, DateTimeOffset?, int?, int?, string?, int?) Snapshot(JobAttempt a) =>
        (a.Outcome, a.FinishedAt, a.ExitCode, a.Signal, a.Error, a.LogChunks);
}
