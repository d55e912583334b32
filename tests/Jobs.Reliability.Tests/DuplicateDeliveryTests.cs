namespace Jobs.Reliability.Tests;

/// <summary>Scenario 7: every executor event delivered eleven times at once; each must take effect exactly once.</summary>
public sealed class DuplicateDeliveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TenConcurrentCopiesOfEveryExecutorEvent_EachJobEndsOnceWithOneAttemptAndOneLog()
    {
        await using var scenario = await Scenario.Start("7. 10 concurrent copies of every executor event", output);
        await using var duplicator = await EventDuplicator.Start(scenario.System.Servers, scenario.System.VirtualHost.Name);
        scenario.Run();

        await scenario.WaitEnded(1);
        var ids = await scenario.Workload.Submitted();
        var chunks = await Scalar(scenario, "SELECT coalesce(sum(log_chunks), 0) FROM jobapi.attempts");
        // Started, every chunk and finished of every job's one attempt, each copied (an executor's own repeat of a
        // publish it could not confirm would be copied too, hence at least).
        await Eventually.Get(
            () => Task.FromResult((duplicator.Originals, duplicator.Published)),
            seen => seen.Originals >= 2 * ids.Count + chunks && seen.Published == EventDuplicator.Copies * seen.Originals,
            TimeSpan.FromSeconds(30),
            $"every executor event ({2 * ids.Count + chunks}) to be copied {EventDuplicator.Copies} times");
        scenario.DuplicatesInjected = duplicator.Published;

        // Every copied chunk reached LogSink, before the invariants read the logs: its queue delivered the originals
        // and all their copies, and holds nothing more.
        using (var broker = new Broker(scenario.System.Servers, scenario.System.VirtualHost.Name))
        {
            await Eventually.Get(
                () => broker.Queue("log-chunk-batch"),
                queue => queue.Held == 0 && queue.Delivered >= (EventDuplicator.Copies + 1) * chunks,
                TimeSpan.FromSeconds(60),
                $"LogSink's queue to deliver all {(EventDuplicator.Copies + 1) * chunks} chunks");
        }

        var report = await scenario.Verify();

        // None was stored twice. (Most copies never reach the writer: they share their original's MessageId, and
        // MassTransit's batching, as observed, passes on one of them.) Attempt rows unchanged by the copies: one per job.
        Assert.Equal(chunks, await Metrics.Total(scenario.System, "logsink", "logs_chunks_stored_total"));
        Assert.Equal(ids.Count, report.Attempts);
        // The saga counted each job's end, and each attempt's run, once.
        var jobApi = await Metrics.Scrape(scenario.System.JobApi);
        Assert.Equal(ids.Count, Metrics.Value(jobApi, "jobs_ended_total"));
        Assert.Equal(ids.Count, Metrics.Value(jobApi, "jobs_ended_total", "status=\"Succeeded\""));
        Assert.Equal(ids.Count, Metrics.Value(jobApi, "jobs_attempt_run_time_seconds_count"));
        Assert.Equal(0, Metrics.Value(jobApi, "jobs_retries_total"));
    }

    static async Task<long> Scalar(Scenario scenario, string sql)
    {
        await using var command = scenario.Database.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
