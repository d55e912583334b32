using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>
/// A JobApi that has just become healthy takes a burst of submits at once, as after a deploy behind a busy gateway.
/// Every request client waits for the bus's response endpoint to be up; done synchronously by many requests at once on
/// a fresh process, that starved the thread pool the endpoint needed to start, and the burst hung past a minute.
/// </summary>
[Collection(LoadTests.Collection)]
public sealed class ColdStartTests : IAsyncLifetime
{
    const int Burst = 100;


    JobsSystem system = null!;

    public async Task InitializeAsync() => system = await JobsSystem.Start(executors: 1, everywhere: JobsSystem.UnlimitedRates);

    public async Task DisposeAsync() => await system.DisposeAsync();

    [Fact]
    public async Task FreshJobApi_ABurstOfSubmitsIsAnsweredAtOnce()
    {
        // Straight to a JobApi started a moment ago (the gateway would hold back a burst until its health probe), its
        // first requests of any kind.
        await system.StartService("jobapi");
        using var http = system.CreateJobApiClient(system.Token(JobsSystem.Tenant, "admin", "cold"));
        http.Timeout = TimeSpan.FromSeconds(60);

        var clock = Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, Burst).Select(async i =>
        {
            using var response = await http.PostAsJsonAsync("/api/jobs", new { command = "echo", args = new[] { $"cold-{i}" } });
            return response.StatusCode;
        }));
        var seconds = clock.Elapsed.TotalSeconds;

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.Created, status));
        // Generous for a loaded 2-core machine; the hang it guards against lasted over 60 s.
        Assert.True(seconds < 30, $"{Burst} submits took {seconds:0.0} s\n{system.Logs()}");
    }
}
