namespace Jobs.Reliability.Tests;

/// <summary>Scenario 3: an executor dies with attempts running; they are declared Lost and run again elsewhere.</summary>
public sealed class ExecutorKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ExecutorKilledMidJob_ItsAttemptsAreLostAndSucceedElsewhere()
    {
        await using var scenario = await Scenario.Start("3. SIGKILL a busy executor at 30%", output, executors: 3);
        scenario.Run();

        await scenario.WaitEnded(0.3);
        var victim = await Eventually.Get(() => BusiestExecutor(scenario), e => e.Running > 0, TimeSpan.FromSeconds(30), "an executor with running attempts");
        output.WriteLine($"{victim.Id} runs {victim.Running} attempts");
        await scenario.Kill($"executor-{victim.Id["test-".Length..]}", restart: false);

        var report = await scenario.Verify();
        Assert.True(report.LostAttempts > 0, "the killed executor's attempts were not declared Lost");
        await using var command = scenario.Database.CreateCommand(
            """
            SELECT count(*) FROM jobapi.attempts lost JOIN jobapi.attempts win ON win.job_id = lost.job_id AND win.outcome = 'Succeeded'
            WHERE lost.outcome = 'Lost' AND (lost.executor_id <> $1 OR win.executor_id = $1)
            """);
        command.Parameters.Add(new() { Value = victim.Id });
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
    }

    static async Task<(string Id, long Running)> BusiestExecutor(Scenario scenario)
    {
        await using var command = scenario.Database.CreateCommand(
            "SELECT executor_id, count(*) FROM jobapi.jobs WHERE status = 'Running' GROUP BY executor_id ORDER BY 2 DESC LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.GetInt64(1)) : ("", 0);
    }
}
