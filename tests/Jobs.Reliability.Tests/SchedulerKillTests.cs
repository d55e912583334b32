namespace Jobs.Reliability.Tests;

/// <summary>Scenario 2: the Scheduler crashes mid-run; restarted when alone, left dead when another instance runs.</summary>
public sealed class SchedulerKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SchedulerKilledMidRunAndRestarted_EveryJobSucceedsOnce()
    {
        await using var scenario = await Scenario.Start("2a. SIGKILL the only Scheduler at 30%", output);
        scenario.Run();

        await scenario.WaitEnded(0.3);
        await scenario.Kill("scheduler", restart: true);

        await scenario.Verify();
    }

    [Fact]
    public async Task ActiveOfTwoSchedulersKilled_TheOtherPlacesTheRest()
    {
        await using var scenario = await Scenario.Start("2b. SIGKILL the active one of 2 Schedulers at 30%", output, schedulers: 2);
        scenario.Run();

        await scenario.WaitEnded(0.3);
        // Active-active: both try each placement round, one wins the lock. The one that placed more is the one to kill.
        var placed = await Task.WhenAll(new[] { "scheduler", "scheduler-2" }.Select(async name =>
            (Name: name, Placed: Metrics.Value(await Metrics.Scrape(scenario.System.Services[name]), "jobs_placed_total"))));
        var active = placed.MaxBy(p => p.Placed);
        output.WriteLine($"placed so far: {string.Join(", ", placed.Select(p => $"{p.Name} {p.Placed}"))}");
        await scenario.Kill(active.Name, restart: false);

        await scenario.Verify();
    }
}
