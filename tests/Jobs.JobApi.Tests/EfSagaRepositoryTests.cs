using Jobs.Contracts;
using Jobs.JobApi.Persistence;
using Jobs.JobApi.StateMachines;
using Jobs.Testing;
using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Jobs.JobApi.Tests;

/// <summary>The hand-written EF Core saga repository on real PostgreSQL, driven by the job saga over real RabbitMQ.</summary>
public sealed class EfSagaRepositoryTests(ServersFixture fixture) : IClassFixture<ServersFixture>
{
    static readonly JobSpec Spec = new("printf", ["%s", "a b"], false, "gpu");
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SubmitPlaceStartFinish_TheRowFollowsEachStep()
    {
        await using var host = await SagaHost.Start(fixture);
        var jobId = NewId.NextGuid();
        var submittedAt = JobRow.Microseconds(DateTimeOffset.UtcNow.AddSeconds(-3));

        var accepted = await host.Harness.GetRequestClient<SubmitJob>().GetResponse<JobAccepted>(new SubmitJob(jobId, Spec, submittedAt));

        Assert.Equal(new JobAccepted(jobId, "Pending"), accepted.Message);
        // The answer leaves the outbox only after the commit, so the row is there without waiting.
        var row = await JobRow.Read(fixture.Sql, jobId);
        Assert.NotNull(row);
        Assert.Equal(("Pending", 1, "printf", false, "gpu"), (row.Status, row.Attempt, row.Command, row.Shell, row.Pool));
        Assert.Equal(["%s", "a b"], row.Args);
        Assert.Equal(submittedAt, row.SubmittedAt);
        Assert.Null(row.ExecutorId);

        await host.Harness.Bus.Publish(new JobPlaced(jobId, 1, "e1"));
        row = await WaitForStatus(jobId, "Assigned");
        Assert.Equal("e1", row.ExecutorId);
        Assert.NotNull(row.AssignedAt);
        Assert.Null(row.StartedAt);
        var execute = await Eventually.Get(
            () => Task.FromResult(host.Harness.Sent.Select<ExecuteJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).ToList()),
            sent => sent.Count > 0, Deadline, "ExecuteJob to be sent");
        Assert.Equal("executor-e1", Assert.Single(execute).Context.DestinationAddress!.AbsolutePath.Split('/')[^1]);

        var startedAt = JobRow.Microseconds(DateTimeOffset.UtcNow.AddSeconds(-2));
        await host.Harness.Bus.Publish(new JobStarted(jobId, 1, "e1", 4242, startedAt));
        row = await WaitForStatus(jobId, "Running");
        Assert.Equal(startedAt, row.StartedAt);
        Assert.Null(row.FinishedAt);

        var finishedAt = JobRow.Microseconds(DateTimeOffset.UtcNow);
        await host.Harness.Bus.Publish(new JobAttemptFinished(jobId, 1, "e1", 0, null, 4, finishedAt));
        row = await WaitForStatus(jobId, "Succeeded");
        Assert.Equal((0, null, 4), (row.ExitCode, row.Error, row.LogChunks));
        Assert.Equal(finishedAt, row.FinishedAt);
        Assert.Equal(startedAt, row.StartedAt);
    }

    [Fact]
    public async Task TwentyConcurrentDuplicateSubmits_MakeOneRowAndAreAllAnswered()
    {
        await using var first = await SagaHost.Start(fixture);
        await using var second = await SagaHost.Start(fixture);
        SagaHost[] hosts = [first, second];
        var submit = new SubmitJob(NewId.NextGuid(), Spec, JobRow.Microseconds(DateTimeOffset.UtcNow));
        var jobId = submit.JobId;

        // Two hosts share the saga queue, as replicas do (within one, the partitioner queues a job's messages). SHARE
        // holds back INSERT but not SELECT … FOR UPDATE: each host finds no row and waits to insert it; let go together,
        // one insert wins and the other hits the primary key.
        var clients = hosts.Select(h => h.Harness.GetRequestClient<SubmitJob>()).ToArray();
        Response<JobAccepted>[] responses;
        await using (var inserts = await HeldLock.Take(fixture.Sql, "LOCK TABLE jobapi.jobs IN SHARE MODE"))
        {
            var answers = Task.WhenAll(Enumerable.Range(0, 20).Select(i => clients[i % 2].GetResponse<JobAccepted>(submit)));
            await Eventually.Get(inserts.Waiters, waiters => waiters == 2, Deadline, "both hosts to be inserting the job");
            await inserts.Release();
            responses = await answers;
        }

        Assert.All(responses, response => Assert.Equal(new JobAccepted(jobId, "Pending"), response.Message));
        Assert.Equal(1, await JobRow.Count(fixture.Sql, jobId));
        await WaitConsumed<SubmitJob>(hosts, m => m.JobId == jobId, 20);
        var placements = await Eventually.Get(
            () => Task.FromResult(hosts.Sum(h => h.Harness.Published.Select<PlaceJob>(x => x.Context.Message.JobId == jobId, HarnessLists.NoWait).Count())),
            count => count > 0, Deadline, "PlaceJob to be published");
        Assert.Equal(1, placements);
        AssertNoFaults<SubmitJob>(hosts);
        Assert.Contains(hosts.SelectMany(h => h.Retries.Retried),
            r => r.Exception is DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } });
    }

    [Fact]
    public async Task TenConcurrentDuplicateFinishes_EndInOneTerminalState()
    {
        await using var first = await SagaHost.Start(fixture);
        await using var second = await SagaHost.Start(fixture);
        SagaHost[] hosts = [first, second];
        var jobId = await Running(first);
        var finished = new JobAttemptFinished(jobId, 1, "e1", 0, null, 7, JobRow.Microseconds(DateTimeOffset.UtcNow));

        await Race(jobId, () => Task.WhenAll(Enumerable.Range(0, 10).Select(i => hosts[i % 2].Harness.Bus.Publish(finished))));

        await WaitConsumed<JobAttemptFinished>(hosts, m => m.JobId == jobId, 10);
        var row = await JobRow.Read(fixture.Sql, jobId);
        Assert.NotNull(row);
        Assert.Equal(("Succeeded", 0, null, 7), (row.Status, row.ExitCode, row.Error, row.LogChunks));
        Assert.Equal(finished.FinishedAt, row.FinishedAt);
        AssertNoFaults<JobAttemptFinished>(hosts);
    }

    [Fact]
    public async Task TenConcurrentConflictingFinishes_LeaveTheRowAsExactlyOneOfThemSaid()
    {
        await using var first = await SagaHost.Start(fixture);
        await using var second = await SagaHost.Start(fixture);
        SagaHost[] hosts = [first, second];
        var jobId = await Running(first);
        var now = JobRow.Microseconds(DateTimeOffset.UtcNow);
        // Alternately "exit 0, no error" and "no exit code, an error": each leaves a column the other sets untouched, so
        // two updates that both went through would leave a mix, whichever order they committed in.
        var finishes = Enumerable.Range(0, 10)
            .Select(i => i % 2 == 0
                ? new JobAttemptFinished(jobId, 1, "e1", 0, null, 100 + i, now.AddMilliseconds(i))
                : new JobAttemptFinished(jobId, 1, "e1", null, $"never ran ({i})", 100 + i, now.AddMilliseconds(i)))
            .ToList();

        // Queued in this order, handed out in turn: each host's first (the pair that races for the row) is of a different kind.
        await Race(jobId, async () =>
        {
            foreach (var finished in finishes)
                await first.Harness.Bus.Publish(finished);
        });

        await WaitConsumed<JobAttemptFinished>(hosts, m => m.JobId == jobId, 10);
        var row = await JobRow.Read(fixture.Sql, jobId);
        Assert.NotNull(row);
        var winner = Assert.Single(finishes, f => f.FinishedAt == row.FinishedAt);
        Assert.Equal(winner.ExitCode == 0 ? "Succeeded" : "Failed", row.Status);
        Assert.Equal((winner.ExitCode, winner.Error, winner.LogChunks), (row.ExitCode, row.Error, row.LogChunks));
        AssertNoFaults<JobAttemptFinished>(hosts);
    }

    [Fact]
    public async Task LoadForUpdate_SecondTransactionWaitsUntilTheFirstCommits()
    {
        var jobId = await InsertJob();
        await using var first = fixture.CreateDbContext();
        await using var second = fixture.CreateDbContext();
        await using var firstTransaction = await first.Database.BeginTransactionAsync();
        await using var secondTransaction = await second.Database.BeginTransactionAsync();
        var firstPid = ((NpgsqlConnection)first.Database.GetDbConnection()).ProcessID;
        var secondPid = ((NpgsqlConnection)second.Database.GetDbConnection()).ProcessID;

        var held = await SagaLock.LoadForUpdate<JobState>(first, jobId, CancellationToken.None);
        Assert.NotNull(held);
        var waiting = SagaLock.LoadForUpdate<JobState>(second, jobId, CancellationToken.None);

        await Eventually.Get(() => BlockingPids(secondPid), pids => pids.Contains(firstPid), Deadline, "the second session to wait on the first's lock");
        Assert.False(waiting.IsCompleted, "the second load returned while the first transaction held the row");

        held.CurrentState = "Running";
        await first.SaveChangesAsync();
        await firstTransaction.CommitAsync();

        var loaded = await waiting.WaitAsync(Deadline);
        Assert.NotNull(loaded);
        Assert.Equal("Running", loaded.CurrentState);
        await secondTransaction.CommitAsync();
    }

    [Fact]
    public async Task LoadForUpdate_OfAnotherRow_DoesNotWait()
    {
        var lockedId = await InsertJob();
        var otherId = await InsertJob();
        await using var first = fixture.CreateDbContext();
        await using var second = fixture.CreateDbContext();
        await using var firstTransaction = await first.Database.BeginTransactionAsync();
        await using var secondTransaction = await second.Database.BeginTransactionAsync();
        Assert.NotNull(await SagaLock.LoadForUpdate<JobState>(first, lockedId, CancellationToken.None));

        var other = await SagaLock.LoadForUpdate<JobState>(second, otherId, CancellationToken.None).WaitAsync(Deadline);

        Assert.NotNull(other);
        Assert.Equal(otherId, other.CorrelationId);
        Assert.Equal(Spec.Args, other.Spec.Args);
    }

    [Fact]
    public async Task LoadForUpdate_OfAMissingRow_GivesNull()
    {
        await using var db = fixture.CreateDbContext();
        await using var transaction = await db.Database.BeginTransactionAsync();

        Assert.Null(await SagaLock.LoadForUpdate<JobState>(db, Guid.NewGuid(), CancellationToken.None));
    }

    async Task<Guid> Running(SagaHost host)
    {
        var jobId = NewId.NextGuid();
        await host.Harness.GetRequestClient<SubmitJob>().GetResponse<JobAccepted>(new SubmitJob(jobId, Spec, DateTimeOffset.UtcNow));
        await host.Harness.Bus.Publish(new JobPlaced(jobId, 1, "e1"));
        await WaitForStatus(jobId, "Assigned");
        await host.Harness.Bus.Publish(new JobStarted(jobId, 1, "e1", 4242, DateTimeOffset.UtcNow));
        await WaitForStatus(jobId, "Running");
        return jobId;
    }

    /// <summary>Sends messages while the test holds the job's row, so both hosts are waiting for it when it is let go.</summary>
    async Task Race(Guid jobId, Func<Task> send)
    {
        await using var row = await HeldLock.Take(fixture.Sql, "SELECT FROM jobapi.jobs WHERE id = $1 FOR UPDATE", jobId);
        await send();
        await Eventually.Get(row.Waiters, waiters => waiters == 2, Deadline, "both hosts to be waiting for the job's row");
        await row.Release();
    }

    async Task<JobRow> WaitForStatus(Guid jobId, string status) =>
        (await Eventually.Get(() => JobRow.Read(fixture.Sql, jobId), row => row?.Status == status, Deadline, $"job {jobId} to be {status}"))!;

    async Task<Guid> InsertJob()
    {
        var jobId = NewId.NextGuid();
        var now = DateTimeOffset.UtcNow;
        await using var db = fixture.CreateDbContext();
        db.Jobs.Add(new JobState { CorrelationId = jobId, CurrentState = "Pending", Spec = Spec, Tenant = "default", Owner = "test", SubmittedAt = now, UpdatedAt = now, Attempt = 1 });
        await db.SaveChangesAsync();
        return jobId;
    }

    async Task<int[]> BlockingPids(int pid)
    {
        await using var command = fixture.Sql.CreateCommand("SELECT pg_blocking_pids($1)");
        command.Parameters.AddWithValue(pid);
        return (int[])(await command.ExecuteScalarAsync())!;
    }

    static Task<int> WaitConsumed<T>(SagaHost[] hosts, Func<T, bool> ofJob, int count)
        where T : class =>
        Eventually.Get(
            () => Task.FromResult(hosts.Sum(h => h.Harness.Consumed.Select<T>(x => ofJob(x.Context.Message) && x.Exception is null, HarnessLists.NoWait).Count())),
            consumed => consumed == count, Deadline, $"{count} {typeof(T).Name} to be consumed");

    static void AssertNoFaults<T>(SagaHost[] hosts)
        where T : class
    {
        Assert.Empty(hosts.SelectMany(h => h.Harness.Published.Select<Fault<T>>(HarnessLists.NoWait)));
        Assert.Empty(hosts.SelectMany(h => h.Harness.Sent.Select<Fault<T>>(HarnessLists.NoWait)));
    }
}
