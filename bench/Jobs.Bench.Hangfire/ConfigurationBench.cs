using System.Diagnostics;
using System.Globalization;
using Hangfire;
using Hangfire.PostgreSql;

namespace Jobs.Bench.Hangfire;

/// <summary>
/// Measures one configuration on a schema of its own: a warm-up, then the throughput of a burst of N jobs enqueued at
/// once, then the submit → start latency at a fixed offered load, then Hangfire's own counts as a check.
/// </summary>
internal static class ConfigurationBench
{
    static int phases;

    /// <summary>Hangfire.PostgreSql's default QueuePollInterval.</summary>
    static readonly TimeSpan DefaultPoll = new PostgreSqlStorageOptions().QueuePollInterval;

    /// <summary>Far above any sane wait (a poll interval or two and a slow drain); reaching it means jobs are lost or stuck.</summary>
    static readonly TimeSpan Slack = TimeSpan.FromSeconds(60);

    public static async Task<ConfigurationResult> Measure(
        Configuration configuration,
        BenchOptions options,
        Tuning tuning,
        string connectionString,
        Recorder recorder,
        TextWriter log,
        CancellationToken cancellationToken)
    {
        var tuned = configuration.Tuned ? tuning : null;
        var poll = tuned is null ? DefaultPoll : TimeSpan.FromMilliseconds(tuned.QueuePollMs);
        IReadOnlyList<string> settings = tuned?.Describe() ?? ["PostgreSqlStorageOptions and the connection string at their defaults (QueuePollInterval 15 s)"];
        var result = new ConfigurationResult(configuration.Key, configuration.Name, configuration.TwoProcesses, configuration.Tuned, settings, configuration.Schema);
        log.WriteLine($"{configuration.Key}) {configuration.Name}: schema {configuration.Schema}");

        BackgroundJobServer? server = null;
        WorkerProcess? worker = null;
        try
        {
            var begin = Stopwatch.GetTimestamp();
            var storage = HangfireSetup.Storage(connectionString, configuration.Schema, tuned);
            result.SchemaMs = Ms(begin, Stopwatch.GetTimestamp());
            var client = new BackgroundJobClient(storage);

            // The warm-up jobs are queued before the server starts: its workers fetch once as they start, so the
            // warm-up does not wait for a poll (at the defaults up to 15 s) and JIT-compiles both sides.
            var warmupPhase = ++phases;
            var warmupDone = recorder.Begin(warmupPhase, options.Warmup);
            var warmupBegin = Stopwatch.GetTimestamp();
            for (var i = 0; i < options.Warmup; i++)
            {
                var index = i;
                var at = Stopwatch.GetTimestamp();
                client.Enqueue(() => BenchJob.Run(warmupPhase, index, at));
            }

            begin = Stopwatch.GetTimestamp();
            if (configuration.TwoProcesses)
            {
                worker = WorkerProcess.Start(connectionString, configuration.Schema, options.Workers, tuned, recorder, log);
                result.WorkerProcessId = worker.ProcessId;
                await Wait(worker.Ready, Slack, () => "the worker process's start", worker, cancellationToken);
                var frequency = await worker.Ready;
                if (frequency != Stopwatch.Frequency)
                    throw new InvalidOperationException($"The worker's Stopwatch ticks {frequency}/s, this process's {Stopwatch.Frequency}/s: their timestamps do not compare.");
            }
            else
            {
                BenchJob.Sink = recorder;
                server = new BackgroundJobServer(HangfireSetup.ServerOptions($"bench-{configuration.Key}-{Environment.ProcessId}", options.Workers), storage);
            }
            result.ServerStartMs = Ms(begin, Stopwatch.GetTimestamp());
            if (options.Warmup > 0)
            {
                await Wait(warmupDone, 2 * poll + Slack, () => $"warm-up: {recorder.Count} of {options.Warmup} jobs done", worker, cancellationToken);
                result.WarmupSeconds = Stopwatch.GetElapsedTime(warmupBegin).TotalSeconds;
            }
            recorder.End();
            log.WriteLine(I($"  server up in {result.ServerStartMs:0} ms ({(worker is null ? "in this process" : I($"worker process {worker.ProcessId}"))}), {options.Warmup} warm-up jobs done in {result.WarmupSeconds:0.0} s"));

            result.Throughput = await Throughput(client, recorder, options, poll, worker, cancellationToken);
            log.WriteLine(I($"  throughput: {result.Throughput.Jobs} jobs in {result.Throughput.Seconds:0.00} s = {result.Throughput.JobsPerSecond:0.0} jobs/s (enqueued at {result.Throughput.EnqueuedPerSecond:0} /s)"));

            result.Latency = await Latency(client, recorder, options, poll, worker, cancellationToken);
            log.WriteLine(I($"  latency: {result.Latency.Jobs} jobs at {result.Latency.AchievedRate:0.00}/s, submit -> start p50 {result.Latency.SubmitToStartMs?.P50:0.0} ms, p99 {result.Latency.SubmitToStartMs?.P99:0.0} ms"));

            // The job method has returned before Hangfire records the job as succeeded: its counts catch up a moment later.
            result.Counts = await Counts(storage, options.Warmup + options.Jobs + options.LatencyJobs, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            result.Error = ex is TimeoutException ? ex.Message + "\n" + await Diagnose(connectionString, configuration.Schema) : ex.Message;
            log.WriteLine($"  failed: {ex}");
            if (ex is TimeoutException)
                log.WriteLine(result.Error);
        }
        finally
        {
            recorder.End();
            if (server is not null)
            {
                server.SendStop();
                server.Dispose();
            }
            if (worker is not null)
            {
                var exit = await worker.Stop(TimeSpan.FromSeconds(30));
                if (exit != 0 && result.Error is null)
                    result.Error = $"the worker process exited with {exit}:\n{worker.Tail()}";
                await worker.DisposeAsync();
            }
        }
        return result;
    }

    /// <summary>N jobs enqueued at once by E threads; from the first enqueue until the last job has ended.</summary>
    static async Task<ThroughputResult> Throughput(
        BackgroundJobClient client, Recorder recorder, BenchOptions options, TimeSpan poll, WorkerProcess? worker, CancellationToken cancellationToken)
    {
        var phase = ++phases;
        var count = options.Jobs;
        var done = recorder.Begin(phase, count);
        var calls = new double[count];
        var next = -1;
        var begin = Stopwatch.GetTimestamp();
        var enqueuers = Enumerable.Range(0, options.Enqueuers).Select(_ => Task.Factory.StartNew(
            () =>
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < count)
                {
                    var i = index;
                    var at = Stopwatch.GetTimestamp();
                    client.Enqueue(() => BenchJob.Run(phase, i, at));
                    calls[i] = Ms(at, Stopwatch.GetTimestamp());
                }
            },
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default));
        await Task.WhenAll(enqueuers);
        var enqueued = Stopwatch.GetTimestamp();
        await Wait(done, 2 * poll + Slack + TimeSpan.FromMilliseconds(50.0 * count), () => $"throughput: {recorder.Count} of {count} jobs done", worker, cancellationToken);
        var runs = recorder.End();
        var end = runs.Runs.Max(r => r.EndedAt);
        var seconds = Ms(begin, end) / 1000;
        var enqueueSeconds = Ms(begin, enqueued) / 1000;
        return new ThroughputResult(
            count,
            options.Enqueuers,
            seconds,
            count / seconds,
            enqueueSeconds,
            count / enqueueSeconds,
            Percentiles.Of(calls),
            Percentiles.Of(runs.Runs.Select(r => Ms(r.EnqueuedAt, r.StartedAt))),
            runs.Duplicates);
    }

    /// <summary>Jobs enqueued one by one at the offered rate (on a fixed schedule, so a slow enqueue does not lower the load).</summary>
    static async Task<LatencyResult> Latency(
        BackgroundJobClient client, Recorder recorder, BenchOptions options, TimeSpan poll, WorkerProcess? worker, CancellationToken cancellationToken)
    {
        var phase = ++phases;
        var count = options.LatencyJobs;
        var done = recorder.Begin(phase, count);
        var calls = new double[count];
        var behind = new double[count];
        var period = Stopwatch.Frequency / options.Rate;
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 100;
        long first = 0, last = 0;
        for (var i = 0; i < count; i++)
        {
            var due = start + (long)(i * period);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, cancellationToken);
            var index = i;
            var at = Stopwatch.GetTimestamp();
            client.Enqueue(() => BenchJob.Run(phase, index, at));
            calls[i] = Ms(at, Stopwatch.GetTimestamp());
            behind[i] = Ms(due, at);
            if (i == 0)
                first = at;
            last = at;
        }
        await Wait(done, 2 * poll + Slack, () => $"latency: {recorder.Count} of {count} jobs done", worker, cancellationToken);
        var runs = recorder.End();
        var ordered = runs.Runs.OrderBy(r => r.Index).ToList();
        return new LatencyResult(
            count,
            options.Rate,
            count > 1 ? (count - 1) / (Ms(first, last) / 1000) : options.Rate,
            behind.Max(),
            Percentiles.Of(ordered.Select(r => Ms(r.EnqueuedAt, r.StartedAt))),
            Percentiles.Of(calls),
            Percentiles.Of(ordered.Select(r => Ms(r.StartedAt, r.EndedAt))),
            runs.Duplicates,
            [.. ordered.Select(r => Math.Round(Ms(r.EnqueuedAt, r.StartedAt), 3))]);
    }

    /// <summary>
    /// Waits for <paramref name="completion"/>, at most <paramref name="deadline"/>; fails early if the worker process
    /// exits. Completion is signalled by the last job's report, never found by sleeping.
    /// </summary>
    static async Task Wait(Task completion, TimeSpan deadline, Func<string> progress, WorkerProcess? worker, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timeout = Task.Delay(deadline, stop.Token);
        var exited = worker?.Exited ?? Task.Delay(Timeout.Infinite, stop.Token);
        var first = await Task.WhenAny(completion, timeout, exited);
        await stop.CancelAsync();
        if (first == completion)
        {
            await completion;
            return;
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (first == exited)
            throw new InvalidOperationException($"The worker process exited during {progress()}:\n{worker!.Tail()}");
        throw new TimeoutException(I($"{progress()} after {deadline.TotalSeconds:0} s."));
    }

    /// <summary>Hangfire's counts once every job is recorded as succeeded, or as they are after ten seconds.</summary>
    static async Task<HangfireCounts> Counts(PostgreSqlStorage storage, long expected, CancellationToken cancellationToken)
    {
        var monitoring = storage.GetMonitoringApi();
        var deadline = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
        while (true)
        {
            var statistics = monitoring.GetStatistics();
            if ((statistics.Succeeded >= expected && statistics.Processing == 0) || Stopwatch.GetTimestamp() > deadline)
                return new HangfireCounts(expected, statistics.Succeeded, statistics.Failed, statistics.Enqueued, statistics.Processing, statistics.Scheduled);
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Where the jobs that did not finish are: Hangfire's tables of the configuration, and what its connections do.</summary>
    static async Task<string> Diagnose(string connectionString, string schema)
    {
        var text = new System.Text.StringBuilder();
        try
        {
            await using var connection = new Npgsql.NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await Query($"SELECT coalesce(statename, '(none)') || ': ' || count(*) FROM \"{schema}\".job GROUP BY statename ORDER BY 1", "jobs by state");
            await Query(
                $"SELECT 'queue row ' || q.id || ' job ' || q.jobid || ' args ' || j.arguments || ' state ' || coalesce(j.statename, '-') || ' fetched ' || coalesce(round(extract(epoch FROM now() - q.fetchedat)::numeric, 1)::text || ' s ago', 'never') FROM \"{schema}\".jobqueue q JOIN \"{schema}\".job j ON j.id = q.jobid ORDER BY q.id LIMIT 10",
                "left in the queue (first 10)");
            await Query(
                "SELECT pid || ' ' || coalesce(state, '-') || ' ' || coalesce(wait_event_type || ':' || wait_event, '-') || ' ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY state, pid",
                "connections to the database");

            async Task Query(string sql, string title)
            {
                text.Append("  ").Append(title).Append(":\n");
                await using var command = new Npgsql.NpgsqlCommand(sql, connection);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                    text.Append("    ").Append(reader.GetString(0)).Append('\n');
            }
        }
        catch (Npgsql.NpgsqlException ex)
        {
            text.Append("  (diagnosis failed: ").Append(ex.Message).Append(")\n");
        }
        return text.ToString();
    }

    static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    static string I(FormattableString text) => FormattableString.Invariant(text);
}
