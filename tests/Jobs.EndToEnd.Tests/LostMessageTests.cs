using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>
/// A message the broker lost after the saga committed (what a broker killed mid-delivery can do): the job would wait on
/// it for good; JobApi's stalled-job sweep sends it again once the job has not changed for a while (for a running job,
/// it asks the executor to report the attempt's finish again). The sweep runs here every second on jobs unchanged for 2 s.
/// </summary>
public sealed class LostMessageTests : IAsyncLifetime
{
    JobsSystem? system;
    JobsClient? jobs;

    JobsSystem System => system!;
    JobsClient Jobs => jobs!;

    public async Task InitializeAsync()
    {
        system = await JobsSystem.Start(executors: 1, everywhere: new Dictionary<string, string>
        {
            ["StalledJobs:StallAfter"] = "00:00:02",
            ["StalledJobs:Interval"] = "00:00:01",
            ["StalledJobs:MaxBackoff"] = "00:00:04",
        });
        jobs = new JobsClient(system.CreateClient(), system);
    }

    public async Task DisposeAsync()
    {
        if (system is not null)
            await system.DisposeAsync();
    }

    [Fact]
    public async Task PlacementRequestLostWhileTheSchedulerWasDown_TheJobIsPlacedAndSucceedsOnce()
    {
        await System.Services["scheduler"].Kill();
        var id = await Jobs.Submit(new { command = "echo", args = new[] { "placed after all" } });

        // The request waits in the Scheduler's queue; the broker then loses it.
        await Eventually.Get(() => System.VirtualHost.Held("place-job"), held => held >= 1, TimeSpan.FromSeconds(30), "the placement request in place-job");
        // The sweep may already have sent a copy (the job stalls after 2 s): every copy goes.
        Assert.True(await System.VirtualHost.Purge("place-job") >= 1);
        await System.StartService("scheduler");

        var job = await Jobs.WaitTerminal(id, TimeSpan.FromSeconds(60));
        Assert.Equal("Succeeded", job.GetProperty("status").GetString());
        Assert.Single(job.GetProperty("attempts").EnumerateArray());
        Assert.Equal("placed after all\n", await Jobs.Output(id));
        Assert.Contains("stalled jobs wait on", System.Services["jobapi"].Tail(200), StringComparison.Ordinal);
        Assert.Empty(await System.VirtualHost.DeadLetterQueues());
    }

    [Fact]
    public async Task FinishLostWhileJobApiWasDown_TheExecutorReportsItAgainAndTheJobSucceedsOnce()
    {
        var id = await Jobs.Submit(new { command = "sleep 3; echo finished", shell = true });
        await Jobs.WaitFor(id, "Running");
        await System.Services["jobapi"].Kill();

        // The attempt ends while the saga is down; its finish waits in the saga's queue, and the broker then loses it.
        await Eventually.Get(() => System.VirtualHost.Held("job-saga"), held => held >= 1, TimeSpan.FromSeconds(30), "the finish in job-saga");
        Assert.True(await System.VirtualHost.Purge("job-saga") >= 1);
        await System.StartService("jobapi");

        var job = await Jobs.WaitTerminal(id, TimeSpan.FromSeconds(60));
        Assert.Equal("Succeeded", job.GetProperty("status").GetString());
        Assert.Equal(0, job.GetProperty("exitCode").GetInt32());
        Assert.Single(job.GetProperty("attempts").EnumerateArray());
        Assert.Equal("finished\n", await Jobs.Output(id));
        Assert.Contains($"Reported again the finish of job {id} attempt 1", System.Services["executor-1"].Tail(200), StringComparison.Ordinal);
        Assert.Empty(await System.VirtualHost.DeadLetterQueues());
    }
}
