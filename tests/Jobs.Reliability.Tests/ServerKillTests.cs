namespace Jobs.Reliability.Tests;

/// <summary>
/// Scenarios 5 and 6: the broker, then the database, SIGKILLed under load and started again on the same data; every
/// service reconnects by itself, and what failed meanwhile is retried, not parked.
/// </summary>
public sealed class ServerKillTests(ITestOutputHelper output)
{
    /// <summary>
    /// What it caught (docs/job-lifecycle.md): a delivery the broker lost (the stalled-job sweep), the saga's endpoint
    /// waiting for good on a hung delivery (bounded endpoint stops), the placement loop stuck on a publish (bounded
    /// background publishes).
    /// </summary>
    [Fact]
    public async Task RabbitMqKilledUnderLoadAndRestarted_EveryServiceReconnectsAndEveryJobSucceedsOnce()
    {
        await using var scenario = await Scenario.OnPrivateServers("5. SIGKILL RabbitMQ at 30%", output);
        scenario.Run();

        await scenario.WaitEnded(0.3);
        await scenario.KillServer("rabbitmq");

        await scenario.Verify();
    }

    [Fact]
    public async Task PostgresKilledUnderLoadAndRestarted_EveryServiceReconnectsAndEveryJobSucceedsOnce()
    {
        await using var scenario = await Scenario.OnPrivateServers("6. SIGKILL PostgreSQL at 30%", output);
        scenario.Run();

        await scenario.WaitEnded(0.3);
        await scenario.KillServer("postgres");

        await scenario.Verify();
    }
}
