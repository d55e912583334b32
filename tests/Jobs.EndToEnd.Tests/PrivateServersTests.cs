using System.Net;
using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>
/// The servers themselves crash mid-job (SIGKILL) and come back on the same ports and data: every service reconnects by
/// itself, the running job ends as if nothing happened, and nothing is parked in an error queue. Each test has its own
/// <see cref="PrivateServers"/>, since killing the shared ones would break every other test.
/// </summary>
public sealed class PrivateServersTests : IAsyncLifetime
{
    const int Lines = 50;
    static readonly string Expected = string.Concat(Enumerable.Range(1, Lines).Select(i => $"line-{i}\n"));

    PrivateServers? servers;
    JobsSystem? system;
    JobsClient? jobs;

    PrivateServers Servers => servers!;
    JobsSystem System => system!;
    JobsClient Jobs => jobs!;

    public async Task InitializeAsync()
    {
        servers = await PrivateServers.Start("e2e");
        try
        {
            system = await JobsSystem.Start(executors: 1, servers: servers.Endpoints);
        }
        catch
        {
            // xUnit does not call DisposeAsync when InitializeAsync fails.
            await servers.DisposeAsync();
            throw;
        }
        jobs = new JobsClient(system.CreateClient(), system);
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (system is not null)
                await system.DisposeAsync();
        }
        finally
        {
            if (servers is not null)
                await servers.DisposeAsync();
        }
    }

    [Fact]
    public Task RabbitMqKilledMidJobAndStarted_EveryServiceReconnectsAndTheJobSucceedsWithEveryLine() => ThroughOutage(async () =>
    {
        await Servers.KillRabbitMq();
        await Servers.StartRabbitMq();
    });

    [Fact]
    public Task PostgresKilledMidJobAndStarted_EveryServiceReconnectsAndTheJobSucceedsWithEveryLine() => ThroughOutage(async () =>
    {
        await Servers.KillPostgres();
        await Servers.StartPostgres();
    });

    [Fact]
    public Task PostgresDownLongerThanTheShortRetries_TheJobsReportsWaitForItAndNothingIsDeadLettered() => ThroughOutage(async () =>
    {
        // The outage is the fault injected: 20 s, more than twice the ~9 s every other failure is retried for, and
        // long enough that the job finishes (5 s) and its last chunks, its finish and heartbeats all meet no database.
        await Servers.KillPostgres();
        await Task.Delay(TimeSpan.FromSeconds(20));
        await Servers.StartPostgres();
    });

    /// <summary>A job runs through <paramref name="outage"/>: it succeeds with every line, the services recover, nothing is dead-lettered.</summary>
    async Task ThroughOutage(Func<Task> outage)
    {
        var id = await SubmitLines();
        await Jobs.WaitFor(id, "Running");

        await outage();

        await AssertSucceededWithEveryLine(id);
        await AssertEveryServiceHealthy();
        await AssertANewJobSucceeds();
        Assert.Empty(await System.VirtualHost.DeadLetterQueues());
    }

    /// <summary>One attempt only: a second one would hide a lost first attempt behind a success.</summary>
    Task<Guid> SubmitLines() => Jobs.Submit(new
    {
        command = $"for i in $(seq 1 {Lines}); do echo line-$i; sleep 0.1; done",
        shell = true,
        retry = new { maxAttempts = 1 },
    });

    async Task AssertSucceededWithEveryLine(Guid id)
    {
        var job = await Jobs.WaitTerminal(id, TimeSpan.FromSeconds(120));
        Assert.True(job.GetProperty("status").GetString() == "Succeeded", $"{job}\n{System.Logs()}");
        Assert.Single(job.GetProperty("attempts").EnumerateArray());
        Assert.Equal(Expected, await Jobs.Output(id));
    }

    /// <summary>Reconnected: every service's <c>/health</c> (broker and database) answers 200 again, without a restart.</summary>
    async Task AssertEveryServiceHealthy()
    {
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.Get(
            async () =>
            {
                var unhealthy = new List<string>();
                foreach (var service in System.Services.Values)
                {
                    try
                    {
                        using var response = await probe.GetAsync(new Uri(service.BaseAddress, "health"));
                        if (response.StatusCode != HttpStatusCode.OK)
                            unhealthy.Add(service.Name);
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        unhealthy.Add(service.Name);
                    }
                }
                return string.Join(", ", unhealthy);
            },
            unhealthy => unhealthy.Length == 0,
            TimeSpan.FromSeconds(60),
            "every service healthy");
    }

    async Task AssertANewJobSucceeds()
    {
        var id = await Jobs.Submit(new { command = "echo", args = new[] { "after" } });
        var job = await Jobs.WaitTerminal(id, TimeSpan.FromSeconds(60));
        Assert.Equal("Succeeded", job.GetProperty("status").GetString());
        Assert.Equal("after\n", await Jobs.Output(id));
    }
}
