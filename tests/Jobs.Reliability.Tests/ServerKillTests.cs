namespace Jobs.Reliability.Tests;

/// <summary>
/// Scenarios 5 and 6: the broker, then the database, SIGKILLed under load and started again on the same data; every
/// service reconnects by itself, and what failed meanwhile is retried, not parked.
/// </summary>
public sealed class ServerKillTests(ITestOutputHelper output)
{
    /// <summary>
    /// Known to fail intermittently: a few jobs stay Pending after the broker comes back (docs/job-lifecycle.md, "Not
    /// yet"). Category BrokerKill: scripts/reliability.sh runs it, scripts/test.sh (CI) leaves it out until it is fixed.
    /// </summary>
    [Fact]
    [Trait("Category", "BrokerKill")]
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
