using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>Draining executors: by an admin through the API, and on SIGTERM (finish what runs, take nothing new).</summary>
[Collection(SystemCollection.Name)]
public sealed class ExecutorDrainTests(SystemFixture fixture)
{
    readonly JobsClient jobs = new(fixture.System.CreateClient(), fixture.System);

    [Fact]
    public async Task ApiDrain_PlacesNothingMoreThereUntilResumed()
    {
        var drained = await SetDrain("test-1", drain: true);
        Assert.True(drained.GetProperty("draining").GetBoolean());
        try
        {
            Assert.True((await Executor("test-1")).GetProperty("draining").GetBoolean());
            var waiting = await jobs.Submit(new { command = "true", executorId = "test-1" });
            var elsewhere = await jobs.Submit(new { command = "true", executorId = "test-2" });

            // The job submitted after it was placed and ran, so the drained executor's job was passed over.
            await jobs.WaitFor(elsewhere, "Succeeded");
            Assert.Equal("Pending", (await jobs.Get(waiting)).GetProperty("status").GetString());

            var resumed = await SetDrain("test-1", drain: false);
            Assert.False(resumed.GetProperty("draining").GetBoolean());
            var job = await jobs.WaitTerminal(waiting);
            Assert.Equal("Succeeded", job.GetProperty("status").GetString());
            Assert.Equal("test-1", job.GetProperty("executorId").GetString());
        }
        finally
        {
            await SetDrain("test-1", drain: false);
        }
    }

    [Fact]
    public async Task ApiDrainOfAnUnknownExecutor_Is404()
    {
        using var response = await jobs.Http.PostAsync("/api/executors/no-such-executor/drain", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ExecutorList_ShowsEachExecutorWithItsSlotsAndHostFacts()
    {
        var executor = await Executor("test-2");

        Assert.Equal(4, executor.GetProperty("slots").GetInt32());
        Assert.Equal("default", executor.GetProperty("pool").GetString());
        Assert.Equal("even", executor.GetProperty("labels").GetProperty("zone").GetString());
        Assert.Equal(1, executor.GetProperty("host").GetProperty("cgroupVersion").GetInt32());
        Assert.Contains("memory", executor.GetProperty("host").GetProperty("enforceableLimits").EnumerateArray().Select(l => l.GetString()));
    }

    [Fact]
    public async Task Sigterm_FinishesTheRunningAttemptTakesNothingNewThenExits()
    {
        var running = await jobs.Submit(new { command = "sleep 2; echo finished", shell = true, executorId = "test-1" });
        await jobs.WaitFor(running, "Running");
        var executor = fixture.System.Services["executor-1"];

        var stopping = executor.Stop(TimeSpan.FromSeconds(60));
        try
        {
            await Eventually.Get(() => Executor("test-1"), e => e.GetProperty("draining").GetBoolean(), TimeSpan.FromSeconds(10), "test-1 draining");
            var later = await jobs.Submit(new { command = "true", executorId = "test-1" });

            var job = await jobs.WaitTerminal(running);
            Assert.Equal("Succeeded", job.GetProperty("status").GetString());
            Assert.Equal("finished\n", await jobs.Output(running));
            await stopping;
            Assert.True(executor.HasExited);
            var waiting = await jobs.Get(later);
            Assert.Equal("Pending", waiting.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, waiting.GetProperty("executorId").ValueKind);

            await fixture.System.StartService("executor-1");
            Assert.Equal("Succeeded", (await jobs.WaitTerminal(later)).GetProperty("status").GetString());
        }
        finally
        {
            await stopping;
            if (fixture.System.Services["executor-1"].HasExited)
                await fixture.System.StartService("executor-1");
        }
    }

    [Fact]
    public async Task SigtermDrainTimeout_StopsTheAttemptWhichIsRetriedOnAnotherExecutor()
    {
        var id = await jobs.Submit(new
        {
            command = "if [ \"$JOBS_ATTEMPT\" = 1 ]; then sleep 600; fi; echo attempt $JOBS_ATTEMPT",
            shell = true,
            retry = new { maxAttempts = 2, initialDelaySeconds = 0 },
        });
        var first = await jobs.WaitFor(id, "Running");
        var victim = first.GetProperty("executorId").GetString()!;
        var service = $"executor-{victim["test-".Length..]}";

        try
        {
            // The test system's drain timeout is 5 s; the sleep gets SIGTERM after it and the executor then exits.
            await fixture.System.Services[service].Stop(TimeSpan.FromSeconds(60));

            var job = await jobs.WaitTerminal(id);
            Assert.Equal("Succeeded", job.GetProperty("status").GetString());
            var attempts = job.GetProperty("attempts").EnumerateArray().ToList();
            Assert.Equal("Lost", attempts[0].GetProperty("outcome").GetString());
            Assert.Contains("drain timeout", attempts[0].GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Equal(15, attempts[0].GetProperty("signal").GetInt32());
            Assert.NotEqual(victim, attempts[1].GetProperty("executorId").GetString());
            Assert.Equal("attempt 2\n", await jobs.Output(id));
        }
        finally
        {
            await fixture.System.StartService(service);
        }
    }

    async Task<JsonElement> SetDrain(string executorId, bool drain)
    {
        using var response = await jobs.Http.PostAsync($"/api/executors/{executorId}/{(drain ? "drain" : "resume")}", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The executor as the registry lists it, once its first heartbeat has registered it.</summary>
    async Task<JsonElement> Executor(string id)
    {
        var list = await Eventually.Get(
            () => jobs.Http.GetFromJsonAsync<JsonElement>("/api/executors"),
            l => l.GetProperty("executors").EnumerateArray().Any(e => e.GetProperty("id").GetString() == id),
            TimeSpan.FromSeconds(30),
            $"executor {id} registered");
        return list.GetProperty("executors").EnumerateArray().Single(e => e.GetProperty("id").GetString() == id).Clone();
    }
}
