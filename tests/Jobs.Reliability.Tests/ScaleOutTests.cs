namespace Jobs.Reliability.Tests;

/// <summary>Scenario 9: every service scaled out on one machine, then one instance of each killed for good.</summary>
public sealed class ScaleOutTests(ITestOutputHelper output)
{
    [Fact]
    public async Task OneOfEachServiceKilled_TheSurvivorsFinishEveryJob()
    {
        await using var scenario = await Scenario.Start(
            "9. 2 JobApi, 2 Scheduler, 3 executors, 2 LogSink; one of each SIGKILLed at 30%", output, executors: 3, jobApis: 2, schedulers: 2, logSinks: 2);
        scenario.Run();

        await scenario.WaitEnded(0.3);
        await Task.WhenAll(new[] { "jobapi-2", "scheduler-2", "logsink-2", "executor-3" }.Select(service => scenario.Kill(service, restart: false)));

        await scenario.Verify();
    }
}
