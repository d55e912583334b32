using Jobs.Contracts;
using Jobs.Scheduler.Placement;
using Jobs.Testing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Jobs.Scheduler.Tests;

public sealed class PlacementStoreTests : IAsyncLifetime
{
    static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    TestDatabase database = null!;
    NpgsqlDataSource dataSource = null!;
    PlacementStore store = null!;

    public async Task InitializeAsync()
    {
        database = await SchedulerDatabase.Create();
        dataSource = database.CreateDataSource();
        store = NewStore(dataSource);
    }

    public async Task DisposeAsync()
    {
        await dataSource.DisposeAsync();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task NoExecutors_NothingIsPlaced()
    {
        await Request(3);

        Assert.Empty(await store.PlaceWaiting(default));
        Assert.Empty(await store.Unfinished(default));
        Assert.Equal(3, await Scalar<long>("SELECT count(*) FROM scheduler.placements WHERE executor_id IS NULL"));
    }

    [Fact]
    public async Task TwoSlotsFiveRequests_TheTwoOldestArePlacedAndOneMoreAfterARelease()
    {
        await Heartbeat("e1", slots: 2);
        var jobs = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        // Requested out of order: placement goes by requested_at, not by arrival.
        foreach (var i in new[] { 3, 0, 4, 1, 2 })
            await store.Request(new PlaceJob(jobs[i], 1, "default", Start.AddSeconds(i)), default);

        var first = await store.PlaceWaiting(default);
        var none = await store.PlaceWaiting(default);
        await store.Release(jobs[1], 1, default);
        var afterRelease = await store.PlaceWaiting(default);

        Assert.Equal([new JobPlaced(jobs[0], 1, "e1"), new JobPlaced(jobs[1], 1, "e1")], first.OrderBy(p => Array.IndexOf(jobs, p.JobId)));
        Assert.Empty(none);
        Assert.Equal([new JobPlaced(jobs[2], 1, "e1")], afterRelease);
    }

    [Fact]
    public async Task OneRequest_GoesToTheExecutorWithTheMostFreeSlots()
    {
        await Heartbeat("busy", slots: 4);
        await Heartbeat("small", slots: 2);
        await Request(3);
        Assert.Equal(3, (await store.PlaceWaiting(default)).Count(p => p.ExecutorId == "busy"));

        await Request(1);
        var placed = await store.PlaceWaiting(default);

        // busy has 1 slot free, small has 2.
        Assert.Equal("small", Assert.Single(placed).ExecutorId);
    }

    [Fact]
    public async Task ManyRequests_AreSpreadOverTheExecutors()
    {
        await Heartbeat("a", slots: 4);
        await Heartbeat("b", slots: 4);
        await Heartbeat("c", slots: 4);
        await Request(6);

        var placed = await store.PlaceWaiting(default);

        Assert.Equal(6, placed.Count);
        Assert.All(placed.GroupBy(p => p.ExecutorId), g => Assert.Equal(2, g.Count()));
    }

    [Fact]
    public async Task Pools_AJobOnlyGoesToAnExecutorOfItsPool()
    {
        await Heartbeat("cpu", slots: 8, pool: "default");
        var gpuJob = Guid.NewGuid();
        await store.Request(new PlaceJob(gpuJob, 1, "gpu", Start), default);
        var defaultJob = Guid.NewGuid();
        await store.Request(new PlaceJob(defaultJob, 1, "default", Start.AddSeconds(1)), default);

        var withoutGpu = await store.PlaceWaiting(default);
        await Heartbeat("gpu-1", slots: 8, pool: "gpu");
        var withGpu = await store.PlaceWaiting(default);

        Assert.Equal([new JobPlaced(defaultJob, 1, "cpu")], withoutGpu);
        Assert.Equal([new JobPlaced(gpuJob, 1, "gpu-1")], withGpu);
    }

    [Fact]
    public async Task SilentExecutor_GetsNothingUntilItsNextHeartbeat()
    {
        await Heartbeat("e1", slots: 4);
        await Execute("UPDATE scheduler.executors SET last_heartbeat_at = now() - interval '16 seconds'");
        await Request(2);

        var whileSilent = await store.PlaceWaiting(default);
        await Heartbeat("e1", slots: 4);
        var afterHeartbeat = await store.PlaceWaiting(default);

        Assert.Empty(whileSilent);
        Assert.Equal(2, afterHeartbeat.Count);
    }

    [Fact]
    public async Task ShortExecutorTimeout_AnExecutorSilentForLongerGetsNothing()
    {
        var impatient = NewStore(dataSource, TimeSpan.FromMilliseconds(200));
        await Heartbeat("e1", slots: 4);
        await Request(1);

        await Eventually.Get(
            () => Scalar<bool>("SELECT last_heartbeat_at < now() - interval '300 milliseconds' FROM scheduler.executors"),
            silent => silent,
            TimeSpan.FromSeconds(5),
            "the heartbeat to be older than the timeout");
        var placed = await impatient.PlaceWaiting(default);

        Assert.Empty(placed);
        Assert.Single(await store.PlaceWaiting(default));
    }

    [Fact]
    public async Task SameRequestTwice_IsOneRowAndAfterPlacementRequestAnswersTheExecutor()
    {
        var request = new PlaceJob(Guid.NewGuid(), 2, "default", Start);

        var first = await store.Request(request, default);
        var second = await store.Request(request with { RequestedAt = Start.AddMinutes(1) }, default);
        await Heartbeat("e1", slots: 1);
        await store.PlaceWaiting(default);
        var afterPlacement = await store.Request(request, default);

        Assert.Null(first);
        Assert.Null(second);
        Assert.Equal("e1", afterPlacement);
        Assert.Equal(1, await Scalar<long>("SELECT count(*) FROM scheduler.placements"));
        Assert.Equal(Start, await Scalar<DateTimeOffset>("SELECT requested_at FROM scheduler.placements"));
    }

    [Fact]
    public async Task RecordHeartbeat_UpsertsAndANewSlotCountIsUsed()
    {
        await Heartbeat("e1", slots: 1);
        var jobs = await Request(4);
        var withOne = await store.PlaceWaiting(default);

        await Heartbeat("e1", slots: 3);
        var withThree = await store.PlaceWaiting(default);

        await Heartbeat("e1", slots: 1);
        await store.Release(jobs[0], 1, default);
        var shrunk = await store.PlaceWaiting(default);

        Assert.Single(withOne);
        Assert.Equal(2, withThree.Count);
        // Two still run on one slot: nothing more goes there.
        Assert.Empty(shrunk);
        Assert.Equal(1, await Scalar<long>("SELECT count(*) FROM scheduler.executors"));
        Assert.Equal(1, await Scalar<int>("SELECT slots FROM scheduler.executors WHERE id = 'e1'"));
    }

    [Fact]
    public async Task Unfinished_ListsPlacedAttemptsNotYetReleased()
    {
        await Heartbeat("e1", slots: 2);
        var jobs = await Request(3);
        await store.PlaceWaiting(default);

        await store.Release(jobs[0], 1, default);

        Assert.Equal([new JobPlaced(jobs[1], 1, "e1")], await store.Unfinished(default));
    }

    [Fact]
    public async Task PlacementBatch_LimitsWhatOneCallPlaces()
    {
        var small = NewStore(dataSource, placementBatch: 2);
        await Heartbeat("e1", slots: 10);
        await Request(5);

        var counts = new List<int>();
        for (var call = 0; call < 4; call++)
            counts.Add((await small.PlaceWaiting(default)).Count);

        Assert.Equal([2, 2, 1, 0], counts);
    }

    [Fact]
    public async Task TwoSchedulersPlacingAtOnce_NeverGiveMoreThanTheFreeSlots()
    {
        await using var otherSource = database.CreateDataSource();
        var other = NewStore(otherSource);
        await Heartbeat("e1", slots: 3);
        await Heartbeat("e2", slots: 2);

        for (var round = 0; round < 50; round++)
        {
            await Execute("DELETE FROM scheduler.placements");
            await Request(20);
            using var go = new Barrier(2);

            var results = await Task.WhenAll(
                Task.Run(() => { go.SignalAndWait(); return store.PlaceWaiting(default); }),
                Task.Run(() => { go.SignalAndWait(); return other.PlaceWaiting(default); }));

            var placed = results.SelectMany(r => r).ToList();
            Assert.True(placed.Count == 5, $"round {round}: placed {placed.Count} ({results[0].Count} + {results[1].Count}) on 5 free slots");
            Assert.Equal(placed.Count, placed.DistinctBy(p => p.JobId).Count());
            Assert.Equal(5, await Scalar<long>("SELECT count(*) FROM scheduler.placements WHERE executor_id IS NOT NULL"));
        }
    }

    [Fact]
    public async Task NotBeforeInTheFuture_IsHeldBackUntilThenAndNextDueReturnsIt()
    {
        await Heartbeat("e1", slots: 4);
        var jobId = Guid.NewGuid();
        var notBefore = DateTimeOffset.UtcNow.AddSeconds(1);

        Assert.Null(await store.Request(new PlaceJob(jobId, 2, "default", Start) { NotBefore = notBefore }, default));
        var early = await store.PlaceWaiting(default);
        var due = await store.NextDue(default);

        Assert.Empty(early);
        Assert.NotNull(due);
        Assert.InRange(due!.Value, notBefore.AddMilliseconds(-1), notBefore.AddMilliseconds(1));
        var placed = await Eventually.Get(
            () => store.PlaceWaiting(default),
            p => p.Count > 0,
            TimeSpan.FromSeconds(10),
            "the held-back request to be placed");
        Assert.True(DateTimeOffset.UtcNow >= notBefore.AddMilliseconds(-50), "placed before its NotBefore");
        Assert.Equal([new JobPlaced(jobId, 2, "e1")], placed);
        Assert.Null(await store.NextDue(default));
    }

    [Fact]
    public async Task NotBefore_InThePastIsPlacedAtOnceAndInTheFutureWaitsWhileOthersGo()
    {
        await Heartbeat("e1", slots: 4);
        var past = Guid.NewGuid();
        var future = Guid.NewGuid();
        var plain = Guid.NewGuid();
        await store.Request(new PlaceJob(future, 1, "default", Start) { NotBefore = DateTimeOffset.UtcNow.AddHours(1) }, default);
        await store.Request(new PlaceJob(past, 1, "default", Start.AddSeconds(1)) { NotBefore = DateTimeOffset.UtcNow.AddMinutes(-1) }, default);
        await store.Request(new PlaceJob(plain, 1, "default", Start.AddSeconds(2)), default);

        var placed = await store.PlaceWaiting(default);
        var due = await store.NextDue(default);
        await Execute($"UPDATE scheduler.placements SET not_before = now() - interval '1 second' WHERE job_id = '{future}'");
        var afterDue = await store.PlaceWaiting(default);

        Assert.Equal([past, plain], placed.Select(p => p.JobId));
        Assert.NotNull(due);
        Assert.InRange(due!.Value, DateTimeOffset.UtcNow.AddMinutes(59), DateTimeOffset.UtcNow.AddMinutes(61));
        Assert.Equal([new JobPlaced(future, 1, "e1")], afterDue);
        Assert.Null(await store.NextDue(default));
    }

    [Fact]
    public async Task NextDue_IsTheEarliestHeldBackRequestAndIgnoresPastOnes()
    {
        var soon = DateTimeOffset.UtcNow.AddMinutes(5);
        await store.Request(new PlaceJob(Guid.NewGuid(), 1, "default", Start) { NotBefore = DateTimeOffset.UtcNow.AddMinutes(10) }, default);
        await store.Request(new PlaceJob(Guid.NewGuid(), 1, "default", Start) { NotBefore = soon }, default);
        await store.Request(new PlaceJob(Guid.NewGuid(), 1, "default", Start) { NotBefore = DateTimeOffset.UtcNow.AddMinutes(-5) }, default);
        var released = Guid.NewGuid();
        await store.Request(new PlaceJob(released, 1, "default", Start) { NotBefore = DateTimeOffset.UtcNow.AddMinutes(1) }, default);
        await store.ReleaseJob(released, default);

        var due = await store.NextDue(default);

        Assert.NotNull(due);
        Assert.InRange(due!.Value, soon.AddMilliseconds(-1), soon.AddMilliseconds(1));
    }

    [Fact]
    public async Task TargetedRequest_GoesOnlyToItsExecutorEvenIfOthersHaveMoreFreeSlots()
    {
        await Heartbeat("big", slots: 8);
        await Heartbeat("small", slots: 2);
        var jobId = Guid.NewGuid();

        await store.Request(new PlaceJob(jobId, 1, "default", Start) { ExecutorId = "small" }, default);
        var placed = await store.PlaceWaiting(default);

        Assert.Equal([new JobPlaced(jobId, 1, "small")], placed);
    }

    [Fact]
    public async Task TargetedRequest_WaitsWhileItsExecutorIsFullThenGoesThere()
    {
        await Heartbeat("big", slots: 8);
        await Heartbeat("small", slots: 1);
        var occupant = Guid.NewGuid();
        await store.Request(new PlaceJob(occupant, 1, "default", Start) { ExecutorId = "small" }, default);
        Assert.Single(await store.PlaceWaiting(default));
        var jobId = Guid.NewGuid();
        await store.Request(new PlaceJob(jobId, 1, "default", Start.AddSeconds(1)) { ExecutorId = "small" }, default);
        var other = Guid.NewGuid();
        await store.Request(new PlaceJob(other, 1, "default", Start.AddSeconds(2)), default);

        var whileFull = await store.PlaceWaiting(default);
        await store.Release(occupant, 1, default);
        var afterRelease = await store.PlaceWaiting(default);

        Assert.Equal([new JobPlaced(other, 1, "big")], whileFull);
        Assert.Equal([new JobPlaced(jobId, 1, "small")], afterRelease);
    }

    [Fact]
    public async Task TargetedRequest_WaitsForAnUnknownExecutorUntilItsFirstHeartbeat()
    {
        await Heartbeat("e1", slots: 4);
        var jobId = Guid.NewGuid();
        await store.Request(new PlaceJob(jobId, 1, "default", Start) { ExecutorId = "newcomer" }, default);

        var before = await store.PlaceWaiting(default);
        await Heartbeat("newcomer", slots: 1);
        var after = await store.PlaceWaiting(default);

        Assert.Empty(before);
        Assert.Equal([new JobPlaced(jobId, 1, "newcomer")], after);
    }

    [Fact]
    public async Task TargetedRequest_WaitsWhileItsExecutorIsSilent()
    {
        await Heartbeat("e1", slots: 4);
        await Heartbeat("e2", slots: 4);
        await Execute("UPDATE scheduler.executors SET last_heartbeat_at = now() - interval '16 seconds' WHERE id = 'e2'");
        var jobId = Guid.NewGuid();
        await store.Request(new PlaceJob(jobId, 1, "default", Start) { ExecutorId = "e2" }, default);

        Assert.Empty(await store.PlaceWaiting(default));
        await Heartbeat("e2", slots: 4);
        Assert.Equal([new JobPlaced(jobId, 1, "e2")], await store.PlaceWaiting(default));
    }

    [Fact]
    public async Task ReleaseJob_FreesAPlacedAttemptsSlot()
    {
        await Heartbeat("e1", slots: 1);
        var jobs = await Request(2);
        Assert.Equal([new JobPlaced(jobs[0], 1, "e1")], await store.PlaceWaiting(default));

        await store.ReleaseJob(jobs[0], default);
        var afterRelease = await store.PlaceWaiting(default);

        Assert.Equal([new JobPlaced(jobs[1], 1, "e1")], afterRelease);
        Assert.Equal([new JobPlaced(jobs[1], 1, "e1")], await store.Unfinished(default));
    }

    [Fact]
    public async Task ReleaseJob_RemovesAWaitingAttemptFromPlacement()
    {
        var jobs = await Request(2);

        await store.ReleaseJob(jobs[0], default);
        await Heartbeat("e1", slots: 4);
        var placed = await store.PlaceWaiting(default);

        Assert.Equal([new JobPlaced(jobs[1], 1, "e1")], placed);
        Assert.Equal(1, await Scalar<long>($"SELECT count(*) FROM scheduler.placements WHERE job_id = '{jobs[0]}' AND finished_at IS NOT NULL"));
    }

    [Fact]
    public async Task ReleaseJob_ReleasesEveryAttemptOfTheJobAndNoOtherJob()
    {
        await Heartbeat("e1", slots: 4);
        var jobId = Guid.NewGuid();
        var other = Guid.NewGuid();
        await store.Request(new PlaceJob(jobId, 1, "default", Start), default);
        await store.Request(new PlaceJob(other, 1, "default", Start.AddSeconds(1)), default);
        await store.PlaceWaiting(default);
        await store.Request(new PlaceJob(jobId, 2, "default", Start.AddSeconds(2)) { NotBefore = DateTimeOffset.UtcNow.AddHours(1) }, default);

        await store.ReleaseJob(jobId, default);

        Assert.Equal([new JobPlaced(other, 1, "e1")], await store.Unfinished(default));
        Assert.Equal(0, await Scalar<long>($"SELECT count(*) FROM scheduler.placements WHERE job_id = '{jobId}' AND finished_at IS NULL"));
        Assert.Null(await store.NextDue(default));
    }

    [Fact]
    public async Task RequestAfterReleaseJob_OfTheSameAttempt_IsNotResurrected()
    {
        await Heartbeat("e1", slots: 4);
        var request = new PlaceJob(Guid.NewGuid(), 1, "default", Start);
        await store.Request(request, default);
        await store.ReleaseJob(request.JobId, default);

        var answer = await store.Request(request with { RequestedAt = Start.AddMinutes(1) }, default);
        var placed = await store.PlaceWaiting(default);

        Assert.Null(answer);
        Assert.Empty(placed);
        Assert.Empty(await store.Unfinished(default));
    }

    [Fact]
    public async Task RequestAfterReleaseJob_OfAPlacedAttempt_IsNotResurrected()
    {
        await Heartbeat("e1", slots: 4);
        var request = new PlaceJob(Guid.NewGuid(), 1, "default", Start);
        await store.Request(request, default);
        Assert.Single(await store.PlaceWaiting(default));
        await store.ReleaseJob(request.JobId, default);

        var answer = await store.Request(request, default);
        var placed = await store.PlaceWaiting(default);

        Assert.Null(answer);
        Assert.Empty(placed);
        Assert.Empty(await store.Unfinished(default));
    }

    /// <summary>
    /// The saga publishes PlaceJob for the retry, then the job is canceled and JobEnded published; the Scheduler can
    /// consume JobEnded first. The late PlaceJob for the new attempt must not take a slot for a job that has ended.
    /// </summary>
    [Fact]
    public async Task RequestOfANewAttemptAfterReleaseJob_IsNotResurrected()
    {
        await Heartbeat("e1", slots: 4);
        var jobId = Guid.NewGuid();
        await store.Request(new PlaceJob(jobId, 1, "default", Start), default);
        await store.PlaceWaiting(default);
        await store.ReleaseJob(jobId, default);

        var answer = await store.Request(new PlaceJob(jobId, 2, "default", Start.AddSeconds(1)), default);
        var placed = await store.PlaceWaiting(default);

        Assert.Null(answer);
        Assert.Empty(placed);
        Assert.Empty(await store.Unfinished(default));
    }

    /// <summary>
    /// Cancel of a Pending job: the saga published PlaceJob(attempt 1) at submit and JobEnded at cancel; the Scheduler
    /// can consume JobEnded first, when there is no row to release yet.
    /// </summary>
    [Fact]
    public async Task RequestAfterReleaseJobOfAJobNeverRequested_IsNotPlaced()
    {
        await Heartbeat("e1", slots: 4);
        var jobId = Guid.NewGuid();
        await store.ReleaseJob(jobId, default);

        var answer = await store.Request(new PlaceJob(jobId, 1, "default", Start), default);
        var placed = await store.PlaceWaiting(default);

        Assert.Null(answer);
        Assert.Empty(placed);
    }

    // ---- lost executors ----

    [Fact]
    public async Task SilentExecutor_IsDeclaredLostOnceAndOnlyItsPlacedAttemptsAreGivenUp()
    {
        await Heartbeat("e1", slots: 2);
        var onE1 = await Request(2);
        Assert.Equal(2, (await store.PlaceWaiting(default)).Count(p => p.ExecutorId == "e1"));
        await Heartbeat("e2", slots: 1);
        var onE2 = await Request(1);
        Assert.Equal([new JobPlaced(onE2[0], 1, "e2")], await store.PlaceWaiting(default));
        // Waiting for e1 (targeted), and waiting for the pool while nothing is free: neither is placed on e1, so neither is lost.
        var waitingForE1 = Guid.NewGuid();
        await store.Request(new PlaceJob(waitingForE1, 1, "default", Start.AddMinutes(1)) { ExecutorId = "e1" }, default);
        var waitingForPool = Guid.NewGuid();
        await store.Request(new PlaceJob(waitingForPool, 1, "default", Start.AddMinutes(2)), default);
        await Execute("UPDATE scheduler.executors SET last_heartbeat_at = now() - interval '16 seconds' WHERE id = 'e1'");

        var losses = await store.DeclareLost(default);
        var executorLostAt = await Scalar<DateTimeOffset>("SELECT lost_at FROM scheduler.executors WHERE id = 'e1'");
        var again = await store.DeclareLost(default);

        Assert.Equal(onE1.Order(), losses.Select(l => l.JobId).Order());
        Assert.All(losses, l => Assert.Equal((1, "e1", executorLostAt), (l.Attempt, l.ExecutorId, l.DetectedAt)));
        // Not announced yet: the same losses again, and the executor's loss is not declared a second time.
        Assert.Equal(losses.OrderBy(l => l.JobId), again.OrderBy(l => l.JobId));
        Assert.Equal(executorLostAt, await Scalar<DateTimeOffset>("SELECT lost_at FROM scheduler.executors WHERE id = 'e1'"));
        Assert.Equal(0, await Scalar<long>("SELECT count(*) FROM scheduler.executors WHERE id <> 'e1' AND lost_at IS NOT NULL"));
        Assert.Equal(2, await Scalar<long>(
            "SELECT count(*) FROM scheduler.placements WHERE executor_id = 'e1' AND finished_at IS NOT NULL AND lost_at = finished_at AND NOT loss_announced"));
        Assert.Equal(0, await Scalar<long>("SELECT count(*) FROM scheduler.placements WHERE (executor_id IS DISTINCT FROM 'e1') AND (lost_at IS NOT NULL OR finished_at IS NOT NULL)"));
        Assert.Equal([new JobPlaced(onE2[0], 1, "e2")], await store.Unfinished(default));
        Assert.Equal(2, await Scalar<long>("SELECT count(*) FROM scheduler.placements WHERE executor_id IS NULL AND finished_at IS NULL"));
    }

    [Fact]
    public async Task LossesAreReturnedUntilAnnounced_ThenNotAgain()
    {
        await Heartbeat("e1", slots: 3);
        var jobs = await Request(3);
        await store.PlaceWaiting(default);
        await Execute("UPDATE scheduler.executors SET last_heartbeat_at = now() - interval '16 seconds'");

        var first = await store.DeclareLost(default);
        var second = await store.DeclareLost(default);
        // Announcing part of them leaves the rest to be announced again.
        await store.LossesAnnounced(first.Where(l => l.JobId == jobs[0]).ToList(), default);
        var third = await store.DeclareLost(default);
        await store.LossesAnnounced(third, default);
        var fourth = await store.DeclareLost(default);

        Assert.Equal(3, first.Count);
        Assert.Equal(first.OrderBy(l => l.JobId), second.OrderBy(l => l.JobId));
        Assert.Equal(jobs[1..].Order(), third.Select(l => l.JobId).Order());
        Assert.Empty(fourth);
        Assert.Equal(3, await Scalar<long>("SELECT count(*) FROM scheduler.placements WHERE loss_announced"));
        // Announced losses stay lost: the attempts are not handed out again.
        await Heartbeat("e1", slots: 3);
        Assert.Empty(await store.PlaceWaiting(default));
        Assert.Empty(await store.Unfinished(default));
    }

    [Fact]
    public async Task HeartbeatAfterLoss_ClearsLostAtAndTheExecutorGetsWorkOnAllItsSlotsAgain()
    {
        await Heartbeat("e1", slots: 2);
        var lostJobs = await Request(2);
        await store.PlaceWaiting(default);
        await Execute("UPDATE scheduler.executors SET last_heartbeat_at = now() - interval '16 seconds'");
        await store.LossesAnnounced(await store.DeclareLost(default), default);
        var waiting = await Request(2);

        var whileLost = await store.PlaceWaiting(default);
        await Heartbeat("e1", slots: 2);
        var afterHeartbeat = await store.PlaceWaiting(default);

        Assert.Empty(whileLost);
        Assert.True(await Scalar<bool>("SELECT lost_at IS NULL FROM scheduler.executors WHERE id = 'e1'"));
        // The lost attempts no longer hold its slots.
        Assert.Equal(waiting.Order(), afterHeartbeat.Select(p => p.JobId).Order());
        Assert.All(afterHeartbeat, p => Assert.Equal("e1", p.ExecutorId));
        Assert.Empty(await store.DeclareLost(default));
        // The old attempts stay given up.
        Assert.Equal(2, await Scalar<long>($"SELECT count(*) FROM scheduler.placements WHERE job_id IN ('{lostJobs[0]}', '{lostJobs[1]}') AND finished_at IS NOT NULL AND lost_at IS NOT NULL"));
    }

    [Fact]
    public async Task ExecutorBackFromLossThenSilentAgain_IsDeclaredLostAgainForItsNewAttemptsOnly()
    {
        await Heartbeat("e1", slots: 1);
        var first = await Request(1);
        await store.PlaceWaiting(default);
        await Execute("UPDATE scheduler.executors SET last_heartbeat_at = now() - interval '16 seconds'");
        await store.LossesAnnounced(await store.DeclareLost(default), default);
        await Heartbeat("e1", slots: 1);
        var second = await Request(1);
        Assert.Single(await store.PlaceWaiting(default));
        await Execute("UPDATE scheduler.executors SET last_heartbeat_at = now() - interval '16 seconds'");

        var losses = await store.DeclareLost(default);

        Assert.Equal([second[0]], losses.Select(l => l.JobId));
        Assert.NotEqual(first[0], second[0]);
    }

    [Fact]
    public async Task LiveExecutor_IsNotDeclaredLost()
    {
        await Heartbeat("e1", slots: 2);
        await Request(2);
        await store.PlaceWaiting(default);
        await Execute("UPDATE scheduler.executors SET last_heartbeat_at = now() - interval '10 seconds'");

        Assert.Empty(await store.DeclareLost(default));
        Assert.Equal(2, (await store.Unfinished(default)).Count);
        Assert.True(await Scalar<bool>("SELECT lost_at IS NULL FROM scheduler.executors"));
    }

    [Fact]
    public async Task NotAssigned_ReturnsExactlyTheAttemptsThatAreNotTheExecutorsUnfinishedPlacements()
    {
        await Heartbeat("e1", slots: 3);
        var jobs = await Request(3);
        Assert.Equal(3, (await store.PlaceWaiting(default)).Count);
        await store.Release(jobs[1], 1, default);
        await Heartbeat("e2", slots: 2); // more free slots than e1 (1), so the next request goes there
        var onE2 = await Request(1);
        Assert.Equal("e2", Assert.Single(await store.PlaceWaiting(default)).ExecutorId);
        var waiting = await Request(1);
        await store.ReleaseJob(jobs[2], default);
        var unknown = Guid.NewGuid();

        var reported = new List<RunningAttempt>
        {
            new(jobs[0], 1), // placed on e1, unfinished: fine
            new(jobs[0], 2), // another attempt of it: stale
            new(jobs[1], 1), // released
            new(jobs[2], 1), // its job ended
            new(onE2[0], 1), // placed on another executor
            new(waiting[0], 1), // not placed yet
            new(unknown, 1), // never requested
        };
        var stale = await store.NotAssigned("e1", reported, default);

        Assert.Equal(reported.Skip(1).OrderBy(r => r.JobId).ThenBy(r => r.Attempt), stale.OrderBy(r => r.JobId).ThenBy(r => r.Attempt));
        Assert.Empty(await store.NotAssigned("e1", [new(jobs[0], 1)], default));
        Assert.Empty(await store.NotAssigned("e1", [], default));
        Assert.Empty(await store.NotAssigned("e2", [new(onE2[0], 1)], default));
    }

    [Fact]
    public async Task NotAssigned_AfterTheExecutorWasLost_IsEverythingItStillRuns()
    {
        await Heartbeat("e1", slots: 2);
        var jobs = await Request(2);
        await store.PlaceWaiting(default);
        await Execute("UPDATE scheduler.executors SET last_heartbeat_at = now() - interval '16 seconds'");
        await store.DeclareLost(default);
        // It comes back and reports what it still runs.
        await Heartbeat("e1", slots: 2);

        var stale = await store.NotAssigned("e1", jobs.Select(j => new RunningAttempt(j, 1)).ToList(), default);

        Assert.Equal(jobs.Order(), stale.Select(s => s.JobId).Order());
    }

    [Fact]
    public async Task DeclareLostAndPlaceWaitingAtOnce_NeverDoubleHandleAnAttempt()
    {
        await using var otherSource = database.CreateDataSource();
        var other = NewStore(otherSource);
        var refused = 0;

        for (var round = 0; round < 30; round++)
        {
            await Execute("DELETE FROM scheduler.placements; DELETE FROM scheduler.executors");
            await Heartbeat("e1", slots: 2);
            var onE1 = await Request(2);
            Assert.Equal(2, (await store.PlaceWaiting(default)).Count);
            await Execute("UPDATE scheduler.executors SET last_heartbeat_at = now() - interval '16 seconds' WHERE id = 'e1'");
            await Heartbeat("e2", slots: 3);
            var waiting = await Request(3);
            using var go = new Barrier(2);

            var declare = Task.Run(() => { go.SignalAndWait(); return store.DeclareLost(default); });
            var place = Task.Run(() => { go.SignalAndWait(); return other.PlaceWaiting(default); });
            var (losses, placed) = (await declare, await place);
            if (losses.Count == 0 || placed.Count == 0)
                refused++;
            // Whichever was refused the lock does its part on the next call.
            var allLosses = losses.Count > 0 ? losses : await store.DeclareLost(default);
            var allPlaced = placed.Concat(await other.PlaceWaiting(default)).ToList();

            Assert.Equal(onE1.Order(), allLosses.Select(l => l.JobId).Order());
            Assert.Equal(waiting.Order(), allPlaced.Select(p => p.JobId).Order());
            Assert.All(allPlaced, p => Assert.Equal("e2", p.ExecutorId));
            Assert.Equal(2, await Scalar<long>("SELECT count(*) FROM scheduler.placements WHERE lost_at IS NOT NULL AND finished_at IS NOT NULL"));
            Assert.Equal(3, await Scalar<long>("SELECT count(*) FROM scheduler.placements WHERE executor_id = 'e2' AND finished_at IS NULL AND lost_at IS NULL"));
            Assert.Equal(1, await Scalar<long>("SELECT count(*) FROM scheduler.executors WHERE lost_at IS NOT NULL"));
        }

        // Not asserted (timing), only kept visible when debugging: how often the lock turned one of them away.
        Assert.InRange(refused, 0, 30);
    }

    [Fact]
    public async Task TwoSchedulersDeclaringLostAtOnce_DeclareTheExecutorLostOnce()
    {
        await using var otherSource = database.CreateDataSource();
        var other = NewStore(otherSource);

        for (var round = 0; round < 30; round++)
        {
            await Execute("DELETE FROM scheduler.placements; DELETE FROM scheduler.executors");
            await Heartbeat("e1", slots: 3);
            var jobs = await Request(3);
            await store.PlaceWaiting(default);
            await Execute("UPDATE scheduler.executors SET last_heartbeat_at = now() - interval '16 seconds'");
            using var go = new Barrier(2);

            var results = await Task.WhenAll(
                Task.Run(() => { go.SignalAndWait(); return store.DeclareLost(default); }),
                Task.Run(() => { go.SignalAndWait(); return other.DeclareLost(default); }));

            // Unannounced losses are reported by every call that gets the lock, all with the one time of the loss.
            var reported = results.Where(r => r.Count > 0).ToList();
            Assert.NotEmpty(reported);
            var lostAt = await Scalar<DateTimeOffset>("SELECT lost_at FROM scheduler.executors");
            Assert.All(reported, r =>
            {
                Assert.Equal(jobs.Order(), r.Select(l => l.JobId).Order());
                Assert.All(r, l => Assert.Equal(lostAt, l.DetectedAt));
            });
            Assert.Equal(1, await Scalar<long>("SELECT count(DISTINCT lost_at) FROM scheduler.placements"));
        }
    }

    static PlacementStore NewStore(NpgsqlDataSource dataSource, TimeSpan? executorTimeout = null, int placementBatch = 256) =>
        new(dataSource, Options.Create(new SchedulerOptions
        {
            ExecutorTimeout = executorTimeout ?? TimeSpan.FromSeconds(15),
            PlacementBatch = placementBatch,
        }));

    Task Heartbeat(string executorId, int slots, string pool = "default") => store.RecordHeartbeat(
        new ExecutorHeartbeat(executorId, pool, new Dictionary<string, string> { ["zone"] = "test" }, slots, [],
            new HostFacts("host", "linux", 2, 1 << 30), DateTimeOffset.UtcNow),
        default);

    /// <summary>Requests <paramref name="count"/> attempts in the default pool, oldest first.</summary>
    async Task<Guid[]> Request(int count)
    {
        var jobs = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToArray();
        var offset = await Scalar<long>("SELECT count(*) FROM scheduler.placements");
        for (var i = 0; i < count; i++)
            Assert.Null(await store.Request(new PlaceJob(jobs[i], 1, "default", Start.AddSeconds(offset + i)), default));
        return jobs;
    }

    async Task Execute(string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    async Task<T> Scalar<T>(string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no row from {sql}");
        return await reader.GetFieldValueAsync<T>(0);
    }
}
