using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>
/// The broker drops every connection of an executor mid-job, as a network fault would: the attempt runs on, once, its
/// executor is not taken for lost, no output is lost, and a cancel still reaches it.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class BrokerOutageTests(SystemFixture fixture)
{
    readonly JobsClient jobs = new(fixture.System.CreateClient(), fixture.System);

    [Fact]
    public async Task ExecutorConnectionsClosedMidJob_TheAttemptRunsOnOnceAndEveryLineArrives()
    {
        var runs = Path.Combine(Directory.CreateTempSubdirectory("jobs-outage-").FullName, "runs");
        var id = await jobs.Submit(new
        {
            command = $"echo started >> {runs}; for i in $(seq 1 200); do echo line $i; sleep 0.1; done",
            shell = true,
            executorId = "test-1",
            retry = new { maxAttempts = 1 },
        });
        await jobs.WaitFor(id, "Running");

        await CloseExecutorConnections();
        Assert.Equal("Running", (await jobs.Get(id)).GetProperty("status").GetString());

        var job = await jobs.WaitTerminal(id);
        Assert.Equal("Succeeded", job.GetProperty("status").GetString());
        Assert.Single(job.GetProperty("attempts").EnumerateArray());
        Assert.Equal(["started"], await File.ReadAllLinesAsync(runs));
        Assert.Equal(string.Concat(Enumerable.Range(1, 200).Select(i => $"line {i}\n")), await jobs.Output(id));
    }

    [Fact]
    public async Task ExecutorConnectionsClosedMidJob_ACancelStillStopsIt()
    {
        var id = await jobs.Submit(new { command = "sleep", args = new[] { "600" }, executorId = "test-1" });
        await jobs.WaitFor(id, "Running");

        await CloseExecutorConnections();
        using var cancel = await jobs.Http.PostAsync($"/api/jobs/{id}/cancel", null);

        var job = await jobs.WaitTerminal(id, TimeSpan.FromSeconds(60));
        Assert.Equal("Canceled", job.GetProperty("status").GetString());
        Assert.Equal("Canceled", job.GetProperty("attempts")[0].GetProperty("outcome").GetString());
    }

    /// <summary>Closes them while the job still runs (the broker lists a new connection a few seconds late).</summary>
    async Task CloseExecutorConnections()
    {
        var executor = fixture.System.Services["executor-1"].ProcessId;
        var closed = 0;
        await Eventually.Get(
            async () => closed += await fixture.System.VirtualHost.CloseConnections(executor),
            total => total >= 2,
            TimeSpan.FromSeconds(30),
            "executor-1's two connections listed by the broker");
    }
}
