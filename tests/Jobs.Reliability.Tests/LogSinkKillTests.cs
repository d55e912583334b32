namespace Jobs.Reliability.Tests;

/// <summary>Scenario 4: LogSink dies while chunks stream in; what it had not committed is delivered again.</summary>
public sealed class LogSinkKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task LogSinkKilledMidStreamAndRestarted_EveryLogIsComplete()
    {
        await using var scenario = await Scenario.Start("4. SIGKILL LogSink at 30%", output);
        scenario.Run();

        await scenario.WaitEnded(0.3);
        await scenario.Kill("logsink", restart: true);

        await scenario.Verify();
    }
}
