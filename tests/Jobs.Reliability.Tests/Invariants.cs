using System.Diagnostics;
using System.Text;
using Jobs.Testing;

namespace Jobs.Reliability.Tests;

/// <summary>
/// The delivery guarantees, checked after a run from the database, the broker and the process table rather than
/// through the services' own view of themselves.
/// </summary>
public static class Invariants
{
    public static readonly string[] TerminalStatuses = ["Succeeded", "Failed", "TimedOut", "Canceled", "Lost"];

    /// <summary>How long, once every job has ended, stored logs and the LogSink's end records may lag behind.</summary>
    static readonly TimeSpan SettleBound = TimeSpan.FromSeconds(60);

    /// <summary>How many jobs' logs are also read through the public API.</summary>
    const int ApiSamples = 5;

    public static async Task<RunReport> Check(Scenario scenario)
    {
        var system = scenario.System;
        var workload = scenario.Workload;
        var ids = await workload.Submitted();
        var number = ids.Select((id, job) => (id, job)).ToDictionary(x => x.id, x => x.job);

        // Every job terminal within the bound after recovery.
        var deadline = scenario.RecoveredAt + Scale.TerminalBound;
        try
        {
            await Eventually.Get(
                () => workload.TerminalFraction(scenario.Database),
                ended => ended >= 1,
                Max(deadline - DateTime.UtcNow, TimeSpan.FromSeconds(1)),
                $"every job to end within {Scale.TerminalBound.TotalSeconds:0} s of recovery");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\n{await Unfinished(scenario)}\n{system.Logs()}", ex);
        }
        var recovery = Max(DateTime.UtcNow - scenario.RecoveredAt, TimeSpan.Zero);

        // One saga row per job, and none the run did not submit.
        var jobs = await Rows(scenario, "SELECT id, status, exit_code, attempt FROM jobapi.jobs",
            r => (Id: r.GetGuid(0), Status: r.GetString(1), ExitCode: r.IsDBNull(2) ? (int?)null : r.GetInt32(2), Attempt: r.GetInt32(3)));
        Assert.Equal(ids.Count, jobs.Count);
        Assert.Empty(jobs.Select(j => j.Id).Except(ids));

        // Nothing lost: every job succeeded, with exit code 0 from the executor that ran its one succeeded attempt.
        var attempts = await Rows(scenario, "SELECT job_id, number, executor_id, outcome, exit_code, log_chunks FROM jobapi.attempts",
            r => (JobId: r.GetGuid(0), Number: r.GetInt32(1), Executor: r.IsDBNull(2) ? null : r.GetString(2), Outcome: r.IsDBNull(3) ? null : r.GetString(3),
                ExitCode: r.IsDBNull(4) ? (int?)null : r.GetInt32(4), LogChunks: r.IsDBNull(5) ? (int?)null : r.GetInt32(5)));
        var failed = jobs.Where(j => j.Status != "Succeeded").ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} jobs did not succeed: {string.Join("; ", failed.Take(10).Select(j => $"{j.Id} {j.Status} attempts {Describe(attempts.Where(a => a.JobId == j.Id))}"))}\n{system.Logs()}");
        var succeeded = attempts.Where(a => a.Outcome == "Succeeded").ToLookup(a => a.JobId);
        foreach (var job in jobs)
        {
            var wins = succeeded[job.Id].ToList();
            Assert.True(wins.Count == 1, $"Job {job.Id} has {wins.Count} succeeded attempts: {Describe(attempts.Where(a => a.JobId == job.Id))}");
            var win = wins[0];
            Assert.True(job.ExitCode == 0 && win.ExitCode == 0 && win.Executor is not null && win.LogChunks is not null && win.Number == job.Attempt,
                $"Job {job.Id} succeeded without an executor's exit code 0 on its current attempt: job exit code {job.ExitCode}, attempt {job.Attempt}; {Describe([win])}");
        }

        // Every log complete: the succeeded attempt's chunks all stored, seq contiguous from 0, exactly the lines printed.
        await Eventually.Get(
            () => Scalar(scenario, "SELECT count(*) FROM jobapi.attempts a WHERE a.outcome = 'Succeeded' AND a.log_chunks > (SELECT count(*) FROM logs.log_chunks c WHERE c.job_id = a.job_id AND c.attempt = a.number)"),
            incomplete => incomplete == 0,
            SettleBound,
            $"every succeeded attempt's chunks to be stored\n{system.Logs()}");
        var chunks = (await Rows(scenario,
            "SELECT c.job_id, c.seq, c.data FROM logs.log_chunks c JOIN jobapi.attempts a ON a.job_id = c.job_id AND a.number = c.attempt AND a.outcome = 'Succeeded' ORDER BY c.job_id, c.seq",
            r => (JobId: r.GetGuid(0), Seq: r.GetInt32(1), Data: r.GetFieldValue<byte[]>(2)))).ToLookup(c => c.JobId);
        foreach (var win in succeeded.Select(w => w.Single()))
        {
            var stored = chunks[win.JobId].ToList();
            Assert.True(stored.Select(c => c.Seq).SequenceEqual(Enumerable.Range(0, win.LogChunks!.Value)),
                $"Job {win.JobId} attempt {win.Number}: seq {string.Join(",", stored.Select(c => c.Seq))}, {win.LogChunks} chunks reported");
            Assert.Equal(workload.ExpectedOutput(number[win.JobId]), Encoding.UTF8.GetString([.. stored.SelectMany(c => c.Data)]));
        }
        await SampleThroughApi(scenario, ids, attempts.Where(a => a.Outcome == "Succeeded").ToDictionary(a => a.JobId, a => a.Number));

        // The LogSink recorded each job's end once.
        await Eventually.Get(() => Scalar(scenario, "SELECT count(*) FROM logs.ended_jobs"), count => count >= ids.Count, SettleBound,
            $"LogSink to record every job's end\n{system.Logs()}");
        Assert.Equal(ids.Count, await Scalar(scenario, "SELECT count(*) FROM logs.ended_jobs WHERE job_id = ANY($1)", ids.ToArray()));

        // No message parked where nobody looks.
        using (var broker = new Broker(system.Servers, system.VirtualHost.Name))
        {
            var parked = await broker.ParkedMessages();
            Assert.True(parked.Count == 0, $"{parked.Count} messages parked:\n{string.Join("\n", parked)}");
        }

        // No process of any job left running.
        await Eventually.Get(() => Processes(workload.Marker), lines => lines.Length == 0, TimeSpan.FromSeconds(10), "every job's processes to exit");

        return new RunReport(
            scenario.Name,
            ids.Count,
            scenario.Faults,
            jobs.GroupBy(j => j.Status).ToDictionary(g => g.Key, g => g.Count()),
            attempts.Count,
            attempts.Count(a => a.Outcome == "Lost"),
            // Counted by the consumer that got them again, so a restarted service counts those it took over.
            await Metrics.Total(system, "", "messages_redelivered_total"),
            await Metrics.Total(system, "logsink", "logs_batch_size_sum") - await Metrics.Total(system, "logsink", "logs_chunks_stored_total"),
            scenario.DuplicatesInjected,
            await Metrics.Total(system, "jobapi", "jobs_saga_conflicts_total"),
            recovery,
            Scale.TerminalBound,
            scenario.Duration);
    }

    /// <summary>A few jobs' output read back through the gateway, as a user would: the retried ones first.</summary>
    static async Task SampleThroughApi(Scenario scenario, IReadOnlyList<Guid> ids, Dictionary<Guid, int> succeededAttempt)
    {
        using var http = scenario.System.CreateClient();
        var sample = ids.Where(id => succeededAttempt[id] > 1).Concat([ids[0], ids[^1], ids[ids.Count / 2]]).Distinct().Take(ApiSamples);
        foreach (var id in sample)
        {
            var raw = await http.GetStringAsync(new Uri($"/api/jobs/{id}/logs/raw?attempt={succeededAttempt[id]}", UriKind.Relative));
            Assert.Equal(scenario.Workload.ExpectedOutput(ids.ToList().IndexOf(id)), raw);
        }
    }

    /// <summary>The jobs by status, and the first few that have not ended with their attempts, for a failure message.</summary>
    static async Task<string> Unfinished(Scenario scenario)
    {
        var counts = await Rows(scenario, "SELECT status, count(*) FROM jobapi.jobs GROUP BY status", r => $"{r.GetString(0)} {r.GetInt64(1)}");
        var jobs = await Rows(scenario,
            """
            SELECT j.id, j.status, j.attempt, j.executor_id, j.updated_at, string_agg(a.number || ' ' || coalesce(a.executor_id, '-') || ' ' || coalesce(a.outcome, '-'), '; ')
            FROM jobapi.jobs j LEFT JOIN jobapi.attempts a ON a.job_id = j.id
            WHERE j.status <> ALL($1) GROUP BY j.id ORDER BY j.updated_at LIMIT 10
            """,
            r => $"{r.GetGuid(0)} {r.GetString(1)} attempt {r.GetInt32(2)} on {(r.IsDBNull(3) ? "-" : r.GetString(3))} since {r.GetDateTime(4):HH:mm:ss.fff}: {(r.IsDBNull(5) ? "" : r.GetString(5))}",
            [TerminalStatuses]);
        // Where each of them stands in the Scheduler, and what the broker still holds: where a message was lost.
        var placements = await Rows(scenario,
            """
            SELECT p.job_id, p.attempt, coalesce(p.executor_id, '-'), p.requested_at, p.placed_at, p.finished_at, p.lost_at, p.delay_reported
            FROM scheduler.placements p JOIN jobapi.jobs j ON j.id = p.job_id
            WHERE j.status <> ALL($1) ORDER BY p.requested_at LIMIT 20
            """,
            r => $"placement {r.GetGuid(0)}/{r.GetInt32(1)} on {r.GetString(2)} requested {r.GetDateTime(3):HH:mm:ss.fff} placed {Time(r, 4)} finished {Time(r, 5)} lost {Time(r, 6)} delay reported {r.GetBoolean(7)}",
            [TerminalStatuses]);
        string queues;
        try
        {
            using var broker = new Broker(scenario.System.Servers, scenario.System.VirtualHost.Name);
            queues = string.Join(", ", await broker.Held());
        }
        catch (Exception ex)
        {
            queues = $"(not read: {ex.Message})";
        }
        return $"jobs by status: {string.Join(", ", counts)}\n{string.Join("\n", jobs)}\n{string.Join("\n", placements)}\nqueues holding messages: {queues}";
    }

    static string Time(System.Data.Common.DbDataReader reader, int column) => reader.IsDBNull(column) ? "-" : $"{reader.GetDateTime(column):HH:mm:ss.fff}";

    /// <summary>The <c>ps</c> lines of processes whose command line holds <paramref name="marker"/>.</summary>
    static async Task<string> Processes(string marker)
    {
        var startInfo = new ProcessStartInfo("ps") { RedirectStandardOutput = true };
        startInfo.ArgumentList.Add("-eo");
        startInfo.ArgumentList.Add("pid,args");
        using var ps = Process.Start(startInfo)!;
        var output = await ps.StandardOutput.ReadToEndAsync();
        await ps.WaitForExitAsync();
        return string.Join('\n', output.Split('\n').Where(line => line.Contains(marker, StringComparison.Ordinal)));
    }

    static string Describe<T>(IEnumerable<T> attempts) => string.Join(" | ", attempts);

    static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    static async Task<long> Scalar(Scenario scenario, string sql, params object[] parameters)
    {
        await using var command = scenario.Database.CreateCommand(sql);
        foreach (var parameter in parameters)
            command.Parameters.Add(new() { Value = parameter });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    static async Task<List<T>> Rows<T>(Scenario scenario, string sql, Func<Npgsql.NpgsqlDataReader, T> read, object[]? parameters = null)
    {
        await using var command = scenario.Database.CreateCommand(sql);
        foreach (var parameter in parameters ?? [])
            command.Parameters.Add(new() { Value = parameter });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
            rows.Add(read(reader));
        return rows;
    }
}
