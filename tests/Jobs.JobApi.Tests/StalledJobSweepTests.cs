using Jobs.Contracts;
using Jobs.JobApi.Api;
using Jobs.JobApi.Data;
using Jobs.JobApi.StateMachines;
using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Jobs.JobApi.Tests;

/// <summary>The stalled-job sweep against a real database and broker: what it sends for which job, and when it waits.</summary>
public sealed class StalledJobSweepTests(ServersFixture fixture) : IClassFixture<ServersFixture>
{
    static readonly JobSpec Spec = new("sleep", ["600"], false, "default");
    static readonly StalledJobOptions Settings = new() { StallAfter = TimeSpan.FromSeconds(30), MaxBackoff = TimeSpan.FromMinutes(10) };

    [Fact]
    public async Task Sweep_ResendsWhatAWaitingJobWaitsOn_AsksARunningJobsExecutor_AndLeavesTheRestAlone()
    {
        await using var host = await SagaHost.Start(fixture);
        var old = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1);
        var pending = await Insert("Pending", old);
        var assigned = await Insert("Assigned", old, executor: "exec-a");
        var running = await Insert("Running", old, executor: "exec-b", attempt: 2);
        var fresh = await Insert("Running", DateTimeOffset.UtcNow, executor: "exec-b");
        var ended = await Insert("Succeeded", old, executor: "exec-b");
        var sweeper = new StalledJobSweeper(new Factory(fixture), host.Harness.Bus, Options.Create(Settings), TimeProvider.System, NullLogger<StalledJobSweeper>.Instance);

        Assert.Equal(3, await sweeper.Sweep(CancellationToken.None));

        Assert.True(await host.Harness.Published.Any<PlaceJob>(x => x.Context.Message.JobId == pending));
        Assert.True(await host.Harness.Sent.Any<ExecuteJob>(x => x.Context.Message.JobId == assigned && x.Context.DestinationAddress!.AbsolutePath.EndsWith("executor-exec-a", StringComparison.Ordinal)));
        Assert.True(await host.Harness.Sent.Any<ReportAttempt>(x => x.Context.Message.JobId == running && x.Context.Message.Attempt == 2
            && x.Context.DestinationAddress!.AbsolutePath.EndsWith("executor-exec-b-control", StringComparison.Ordinal)));
        Assert.False(host.Harness.Sent.Select<ReportAttempt>(x => x.Context.Message.JobId == fresh, HarnessLists.NoWait).Any());
        Assert.False(host.Harness.Published.Select<JobEnded>(x => x.Context.Message.JobId == ended, HarnessLists.NoWait).Any());

        // Just nudged: not again before the backoff.
        Assert.Equal(0, await sweeper.Sweep(CancellationToken.None));
    }

    [Fact]
    public async Task AJobThatMovesOnBetweenTheLookAndTheNudge_IsNotNudged()
    {
        await using var host = await SagaHost.Start(fixture);
        var old = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1);
        var pending = await Insert("Pending", old);
        var sweeper = new StalledJobSweeper(new MovingOn(fixture, pending), host.Harness.Bus, Options.Create(Settings), TimeProvider.System, NullLogger<StalledJobSweeper>.Instance);

        await sweeper.Sweep(CancellationToken.None);
        Assert.False(host.Harness.Published.Select<PlaceJob>(x => x.Context.Message.JobId == pending, HarnessLists.NoWait).Any());
        Assert.False(host.Harness.Sent.Select<ExecuteJob>(x => x.Context.Message.JobId == pending, HarnessLists.NoWait).Any());
    }

    async Task<Guid> Insert(string state, DateTimeOffset updatedAt, string? executor = null, int attempt = 1)
    {
        var id = NewId.NextGuid();
        await using var db = fixture.CreateDbContext();
        db.Jobs.Add(new JobState
        {
            CorrelationId = id, CurrentState = state, Spec = Spec, Tenant = "default", Owner = "test",
            SubmittedAt = updatedAt, UpdatedAt = updatedAt, Attempt = attempt, ExecutorId = executor,
        });
        await db.SaveChangesAsync();
        return id;
    }

    class Factory(ServersFixture fixture) : IDbContextFactory<JobApiDbContext>
    {
        public virtual JobApiDbContext CreateDbContext() => fixture.CreateDbContext();
    }

    /// <summary>Starts the job the moment after the sweep's first look (the second context it opens reads whole rows).</summary>
    sealed class MovingOn(ServersFixture fixture, Guid job) : Factory(fixture)
    {
        readonly ServersFixture servers = fixture;
        int opened;

        public override JobApiDbContext CreateDbContext()
        {
            if (Interlocked.Increment(ref opened) == 2)
            {
                using var db = servers.CreateDbContext();
                db.Jobs.Where(j => j.CorrelationId == job).ExecuteUpdate(s => s.SetProperty(j => j.CurrentState, "Assigned").SetProperty(j => j.UpdatedAt, DateTimeOffset.UtcNow));
            }
            return base.CreateDbContext();
        }
    }
}
