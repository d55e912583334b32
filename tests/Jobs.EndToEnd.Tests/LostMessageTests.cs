using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>
/// A message the broker lost after the saga committed (what a broker killed mid-delivery can do): the job would wait on
/// it for good; JobApi's stalled-job sweep sends it again once the job has not changed for a while. The sweep runs here
/// every second on jobs unchanged for 2 s.
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
}
