using System.Net;
using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>Two JobApi instances behind the gateway: when one dies, the gateway's health checks take it out and every request goes to the other.</summary>
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
    public async Task KillingOneJobApi_LeavesTheApiAnswering()
    {
        var jobs = new JobsClient(system!.CreateClient(), system);
        var before = await jobs.Submit(new { command = "true" });

        await system.Services["jobapi-2"].Kill();

        // The first requests may still reach the dead instance (502) until its failures mark it unhealthy; after that,
        // every request is answered by the live one.
        await Eventually.Get(
            async () =>
            {
                var statuses = new List<HttpStatusCode>();
                for (var i = 0; i < 20; i++)
                {
                    using var response = await jobs.Http.GetAsync($"/api/jobs/{before}");
                    statuses.Add(response.StatusCode);
                }
                return statuses;
            },
            statuses => statuses.All(s => s == HttpStatusCode.OK),
            TimeSpan.FromSeconds(60),
            "20 requests in a row answered after one JobApi was killed");
        var after = await jobs.Submit(new { command = "true" });
        await jobs.WaitTerminal(after);
    }
}
