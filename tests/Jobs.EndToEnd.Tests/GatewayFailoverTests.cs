using System.Net;
using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>Two JobApi instances behind the gateway: when one dies, every request is answered by the other, before and after the health checks take the dead one out.</summary>
public sealed class GatewayFailoverTests : IAsyncLifetime
{
    JobsSystem? system;

    public async Task InitializeAsync() => system = await JobsSystem.Start(executors: 1, slotsPerExecutor: 2, jobApis: 2);

    public async Task DisposeAsync()
    {
        if (system is not null)
            await system.DisposeAsync();
    }

    [Fact]
    public async Task KillingOneJobApi_EveryRequestIsStillAnswered()
    {
        var jobs = new JobsClient(system!.CreateClient(), system);
        var before = await jobs.Submit(new { command = "true" });

        await system.Services["jobapi-2"].Kill();

        // At once, before the health checks have noticed: a request that cannot connect to the dead replica goes to
        // the live one, reads and submits alike (it never reached the dead one, so nothing runs twice).
        var after = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => jobs.Submit(new { command = "true" })));
        for (var i = 0; i < 20; i++)
        {
            using var response = await jobs.Http.GetAsync($"/api/jobs/{before}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        foreach (var id in after)
            Assert.Equal("Succeeded", (await jobs.WaitTerminal(id)).GetProperty("status").GetString());

        // It was the gateway's failover that answered them, not luck in which replica each request was sent to.
        using var probe = new HttpClient { BaseAddress = system.Gateway.BaseAddress };
        var metrics = await probe.GetStringAsync("/metrics");
        var failovers = MetricsTests.Value(metrics, "gateway_failovers_total", "destination=\"jobapi2\"");
        Assert.True(failovers >= 1, $"No request failed over from jobapi2:\n{metrics}");
    }
}
