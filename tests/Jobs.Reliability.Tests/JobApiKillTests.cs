namespace Jobs.Reliability.Tests;

/// <summary>Scenario 1: the saga host crashes twice mid-run.</summary>
public sealed class JobApiKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task JobApiKilledAt30And60Percent_EveryJobSucceedsOnceWithItsWholeLog()
    {
        await using var scenario = await Scenario.Start("1. SIGKILL JobApi at 30% and 60%", output);
        scenario.Run();

        await scenario.WaitEnded(0.3);
        await scenario.Kill("jobapi", restart: true);
        await scenario.WaitEnded(0.6);
        await scenario.Kill("jobapi", restart: true);

        await scenario.Verify();
    }
}
