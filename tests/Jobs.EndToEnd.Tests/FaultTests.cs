using System.Text.Json;
using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>Processes of the system killed mid-run: jobs are retried or carried on, never lost.</summary>
[Collection(SystemCollection.Name)]
public sealed class FaultTests(SystemFixture fixture)
{
    readonly JobsClient jobs = new(fixture.System.CreateClient(), fixture.System);

    [Fact]
    public async Task ExecutorKilledMidJob_AttemptIsLostAndRetriedOnAnotherExecutor()
    {
        var id = await jobs.Submit(new { command = "sleep 3; echo done", shell = true, retry = new { maxAttempts = 2, initialDelaySeconds = 0 } });
        var running = await jobs.WaitFor(id, "Running");
        var victim = running.GetProperty("executorId").GetString()!;
        var service = $"executor-{victim["test-".Length..]}";

        await fixture.System.Services[service].Kill();
        try
        {
            var job = await jobs.WaitTerminal(id);

            Assert.Equal("Succeeded", job.GetProperty("status").GetString());
            var attempts = job.GetProperty("attempts").EnumerateArray().ToList();
            Assert.Equal(2, attempts.Count);
            Assert.Equal("Lost", attempts[0].GetProperty("outcome").GetString());
            Assert.Equal(victim, attempts[0].GetProperty("executorId").GetString());
            Assert.Equal("Succeeded", attempts[1].GetProperty("outcome").GetString());
            Assert.NotEqual(victim, attempts[1].GetProperty("executorId").GetString());
        }
        finally
        {
            await fixture.System.StartService(service);
        }
    }

    [Fact]
    public async Task ExecutorKilledWithoutRetriesLeft_JobEndsLost()
    {
        var id = await jobs.Submit(new { command = "sleep", args = new[] { "600" }, retry = new { maxAttempts = 1 } });
        var running = await jobs.WaitFor(id, "Running");
        var service = $"executor-{running.GetProperty("executorId").GetString()!["test-".Length..]}";

        await fixture.System.Services[service].Kill();
        try
        {
            var job = await jobs.WaitTerminal(id);

            Assert.Equal("Lost", job.GetProperty("status").GetString());
            Assert.Contains("heartbeats", job.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await fixture.System.StartService(service);
        }
    }

    [Fact]
    public async Task JobApiKilledMidRunAndRestarted_EveryJobStillFinishes()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => jobs.Submit(new { command = $"sleep 1; echo job-{i}", shell = true })));

        await fixture.System.JobApi.Kill();
        await fixture.System.StartService("jobapi");

        for (var i = 0; i < ids.Length; i++)
        {
            var job = await jobs.WaitTerminal(ids[i]);
            Assert.Equal("Succeeded", job.GetProperty("status").GetString());
            Assert.Equal($"job-{i}\n", await jobs.Output(ids[i]));
        }
    }

    [Fact]
    public async Task QueueTimeout_EndsAJobNoExecutorTakesAsTimedOut()
    {
        var id = await jobs.Submit(new { command = "true", executorId = "no-such-executor", queueTimeoutSeconds = 2 });

        var job = await jobs.WaitTerminal(id);

        Assert.Equal("TimedOut", job.GetProperty("status").GetString());
        Assert.Contains("queue timeout", job.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueueTimeout_SurvivesASchedulerRestart()
    {
        var id = await jobs.Submit(new { command = "true", executorId = "no-such-executor", queueTimeoutSeconds = 8 });
        await Eventually.Get(() => TimerCount(id), count => count == 1, TimeSpan.FromSeconds(30), "the queue-timeout timer to be stored");

        await fixture.System.Services["scheduler"].Kill();
        await fixture.System.StartService("scheduler");

        var job = await jobs.WaitTerminal(id);
        Assert.Equal("TimedOut", job.GetProperty("status").GetString());
    }

    async Task<long> TimerCount(Guid jobId)
    {
        await using var dataSource = fixture.System.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(
            "SELECT count(*) FROM scheduler.qrtz_triggers t JOIN jobapi.jobs j ON t.trigger_name = replace(j.queue_timeout_token::text, '-', '') WHERE j.id = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = jobId });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
