using Jobs.Contracts;
using Jobs.Testing;
using MassTransit;
using MassTransit.Testing;

namespace Jobs.JobApi.Tests;

public sealed class JobStateMachineTests : IAsyncLifetime
{
    InMemoryJobSaga saga = null!;

    public async Task InitializeAsync() => saga = await InMemoryJobSaga.Start();

    public async Task DisposeAsync() => await saga.DisposeAsync();

    [Fact]
    public async Task Submit_CreatesAPendingJobAndAnswersAccepted()
    {
        var jobId = NewId.NextGuid();
        var submittedAt = DateTimeOffset.UtcNow.AddMinutes(-1);
        var client = saga.Harness.GetRequestClient<SubmitJob>();

        var response = await client.GetResponse<JobAccepted>(new SubmitJob(jobId, InMemoryJobSaga.Spec, submittedAt));

        Assert.Equal(new JobAccepted(jobId, "Pending"), response.Message);
        var job = await saga.WaitFor(jobId, m => m.Pending);
        AssertSpec(InMemoryJobSaga.Spec, job.Spec);
        Assert.Equal(submittedAt, job.SubmittedAt);
        Assert.Equal(1, job.Attempt);
        Assert.Null(job.ExecutorId);
    }

    [Fact]
    public async Task Submit_PublishesPlaceJobForAttemptOneInTheJobsPool()
    {
        var jobId = NewId.NextGuid();

        await saga.Submit(jobId);

        var place = (await InMemoryJobSaga.Until(
            () => saga.Harness.Published.Select<PlaceJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).SingleOrDefault(),
            "PlaceJob to be published")).Context.Message;
        Assert.Equal(1, place.Attempt);
        Assert.Equal("gpu", place.Pool);
    }

    [Fact]
    public async Task Placed_AssignsTheJobAndSendsExecuteJobToTheExecutorsExchange()
    {
        var jobId = await saga.Pending();

        await saga.Deliver(new JobPlaced(jobId, 1, "host-7"));

        var job = await saga.WaitFor(jobId, m => m.Assigned);
        Assert.Equal("host-7", job.ExecutorId);
        Assert.NotNull(job.AssignedAt);
        var sent = saga.Harness.Sent.Select<ExecuteJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).Single().Context;
        Assert.Equal((jobId, 1), (sent.Message.JobId, sent.Message.Attempt));
        AssertSpec(InMemoryJobSaga.Spec, sent.Message.Spec);
        Assert.Equal("executor-host-7", sent.DestinationAddress!.AbsolutePath.Split('/')[^1]);
        Assert.False(saga.Harness.Published.Select<ExecuteJob>(HarnessLists.NoWait).Any(), "ExecuteJob goes to one executor, it must not be published.");
    }

    [Fact]
    public async Task Started_MovesAnAssignedJobToRunning()
    {
        var jobId = await saga.Assigned();
        var startedAt = DateTimeOffset.UtcNow.AddSeconds(-5);

        await saga.Deliver(new JobStarted(jobId, 1, "e1", 4242, startedAt));

        var job = await saga.WaitFor(jobId, m => m.Running);
        Assert.Equal(startedAt, job.StartedAt);
        Assert.Null(job.FinishedAt);
    }

    [Fact]
    public async Task FinishedWithExitZero_Succeeds()
    {
        var jobId = await saga.Running();
        var finished = InMemoryJobSaga.Finished(jobId, exitCode: 0, logChunks: 12);

        await saga.Deliver(finished);

        var job = await saga.WaitFor(jobId, m => m.Succeeded);
        Assert.Equal(0, job.ExitCode);
        Assert.Null(job.Error);
        Assert.Equal(12, job.LogChunks);
        Assert.Equal(finished.FinishedAt, job.FinishedAt);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(137)]
    [InlineData(-1)]
    public async Task FinishedWithNonZeroExit_FailsWithTheExitCode(int exitCode)
    {
        var jobId = await saga.Running();

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode));

        var job = await saga.WaitFor(jobId, m => m.Failed);
        Assert.Equal(exitCode, job.ExitCode);
        Assert.Null(job.Error);
    }

    [Fact]
    public async Task FinishedWithoutExitCode_FailsWithTheError()
    {
        var jobId = await saga.Running();

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: null, error: "No such file: /nonexistent/program", logChunks: 0));

        var job = await saga.WaitFor(jobId, m => m.Failed);
        Assert.Null(job.ExitCode);
        Assert.Equal("No such file: /nonexistent/program", job.Error);
        Assert.Equal(0, job.LogChunks);
    }

    [Fact]
    public async Task OomKilledWithExitZero_FailsWithTheReason()
    {
        var jobId = await saga.Running();

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 0, error: JobAttemptFinished.OomKilled) with { EnforcedLimits = ["memory"], PeakMemoryBytes = 64 << 20 });

        var job = await saga.WaitFor(jobId, m => m.Failed);
        Assert.Equal("oom-killed", job.Error);
        var attempt = Assert.Single(job.Attempts);
        Assert.Equal("Failed", attempt.Outcome);
        Assert.Equal(["memory"], attempt.EnforcedLimits);
        Assert.Equal(64 << 20, attempt.PeakMemoryBytes);
    }

    [Fact]
    public async Task FinishedBeforeStarted_IsAcceptedFromAssigned()
    {
        var jobId = await saga.Assigned();
        var finished = InMemoryJobSaga.Finished(jobId, exitCode: 0);

        await saga.Deliver(finished);

        var job = await saga.WaitFor(jobId, m => m.Succeeded);
        Assert.Equal(finished.FinishedAt, job.StartedAt);
        Assert.Equal(finished.FinishedAt, job.FinishedAt);
    }

    [Fact]
    public async Task StartedAfterAnOvertakingFinish_LeavesTheJobFinished()
    {
        var jobId = await saga.Assigned();
        var finished = InMemoryJobSaga.Finished(jobId, exitCode: 2);
        await saga.Deliver(finished);
        await saga.WaitFor(jobId, m => m.Failed);

        await saga.Deliver(new JobStarted(jobId, 1, "e1", 4242, finished.FinishedAt.AddSeconds(-1)));

        var job = saga.Job(jobId);
        Assert.Equal("Failed", job.CurrentState);
        Assert.Equal(finished.FinishedAt, job.StartedAt);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task PlacedForAnotherAttempt_ChangesNothing(int attempt)
    {
        var jobId = await saga.Pending();

        await saga.Deliver(new JobPlaced(jobId, attempt, "e9"));

        var job = saga.Job(jobId);
        Assert.Equal("Pending", job.CurrentState);
        Assert.Null(job.ExecutorId);
        Assert.Null(job.AssignedAt);
        Assert.Empty(saga.Harness.Sent.Select<ExecuteJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task StartedForAnotherAttempt_ChangesNothing(int attempt)
    {
        var jobId = await saga.Assigned();

        await saga.Deliver(new JobStarted(jobId, attempt, "e1", 4242, DateTimeOffset.UtcNow));

        var job = saga.Job(jobId);
        Assert.Equal("Assigned", job.CurrentState);
        Assert.Null(job.StartedAt);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task FinishedForAnotherAttempt_ChangesNothing(int attempt)
    {
        var jobId = await saga.Running();

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 0, attempt: attempt));

        var job = saga.Job(jobId);
        Assert.Equal("Running", job.CurrentState);
        Assert.Null(job.ExitCode);
        Assert.Null(job.FinishedAt);
        Assert.Null(job.LogChunks);
    }

    [Fact]
    public async Task DuplicateSubmit_AnswersWithTheCurrentStatusAndPlacesNoSecondTime()
    {
        var jobId = await saga.Assigned();

        var response = await saga.Submit(jobId, InMemoryJobSaga.Spec with { Command = "rm", Pool = "other" });

        Assert.Equal(new JobAccepted(jobId, "Assigned"), response);
        await Eventually.Get(
            () => Task.FromResult(saga.Harness.Consumed.Select<SubmitJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).Count()),
            count => count == 2,
            TimeSpan.FromSeconds(10),
            "both submits to be consumed");
        Assert.Single(saga.Harness.Published.Select<PlaceJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait));
        var job = saga.Job(jobId);
        Assert.Equal("Assigned", job.CurrentState);
        AssertSpec(InMemoryJobSaga.Spec, job.Spec);
    }

    [Fact]
    public async Task DuplicateSubmitOfAPendingJob_AnswersPending()
    {
        var jobId = await saga.Pending();

        var response = await saga.Submit(jobId);

        Assert.Equal(new JobAccepted(jobId, "Pending"), response);
    }

    [Fact]
    public async Task LateStartedAfterSucceeded_LeavesItSucceeded()
    {
        var jobId = await saga.Running();
        var finished = InMemoryJobSaga.Finished(jobId, exitCode: 0);
        await saga.Deliver(finished);
        var startedAt = (await saga.WaitFor(jobId, m => m.Succeeded)).StartedAt;

        await saga.Deliver(new JobStarted(jobId, 1, "e1", 4242, DateTimeOffset.UtcNow.AddHours(1)));

        var job = saga.Job(jobId);
        Assert.Equal("Succeeded", job.CurrentState);
        Assert.Equal(startedAt, job.StartedAt);
    }

    [Fact]
    public async Task LaterEventsAfterFailed_ChangeNothing()
    {
        var jobId = await saga.Running();
        var finished = InMemoryJobSaga.Finished(jobId, exitCode: 3);
        await saga.Deliver(finished);
        await saga.WaitFor(jobId, m => m.Failed);

        await saga.Deliver(InMemoryJobSaga.Finished(jobId, exitCode: 0, logChunks: 99));
        await saga.Deliver(new JobPlaced(jobId, 1, "e2"));
        await saga.Deliver(new JobStarted(jobId, 1, "e2", 1, DateTimeOffset.UtcNow));

        var job = saga.Job(jobId);
        Assert.Equal("Failed", job.CurrentState);
        Assert.Equal(3, job.ExitCode);
        Assert.Equal(finished.LogChunks, job.LogChunks);
        Assert.Equal(finished.FinishedAt, job.FinishedAt);
        Assert.Equal("e1", job.ExecutorId);
        Assert.Single(saga.Harness.Sent.Select<ExecuteJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait));
    }

    [Fact]
    public async Task DuplicatePlaced_SendsExecuteJobOnce()
    {
        var jobId = await saga.Assigned("e1");

        await saga.Deliver(new JobPlaced(jobId, 1, "e2"));

        var job = saga.Job(jobId);
        Assert.Equal("Assigned", job.CurrentState);
        Assert.Equal("e1", job.ExecutorId);
        Assert.Single(saga.Harness.Sent.Select<ExecuteJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait));
    }

    static void AssertSpec(JobSpec expected, JobSpec actual)
    {
        Assert.Equal(expected.Command, actual.Command);
        Assert.Equal(expected.Args, actual.Args);
        Assert.Equal(expected.Shell, actual.Shell);
        Assert.Equal(expected.Pool, actual.Pool);
    }
}
