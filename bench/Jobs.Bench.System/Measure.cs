using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Jobs.Testing;
using Npgsql;

namespace Jobs.Bench.System;

/// <summary>What one way of running N <c>/bin/true</c> at concurrency C achieved.</summary>
internal sealed record ThroughputRound(string Variant, int Round, int Jobs, double Seconds, double JobsPerSecond, double? SubmitSeconds, int NotSucceeded);

/// <summary>Latencies at one offered load, in ms from just before the POST was sent.</summary>
internal sealed record DispatchResult(int RatePerSecond, int Jobs, double AchievedRate, Percentiles SubmitAnsweredMs, Percentiles StartedMs, Percentiles TerminalMs, int NotSucceeded);

/// <summary>Jobs queued with no executor, then drained by one that starts.</summary>
internal sealed record BacklogResult(int Jobs, double SubmitSeconds, double SubmitPerSecond, double DrainSeconds, double DrainPerSecond, double DrainFromHealthySeconds, int NotSucceeded, IReadOnlyDictionary<string, Memory> PeakMemory);

/// <summary>The measurements, on a running system and on this machine alone.</summary>
internal sealed class Measure(JobsSystem system, TextWriter log)
{
    static readonly string[] Terminal = ["Succeeded", "Failed", "TimedOut", "Canceled", "Lost"];

    readonly HttpClient http = system.CreateClient();

    /// <summary>Spawns <c>/bin/true</c> <paramref name="jobs"/> times, <paramref name="concurrency"/> at once, reading its output as a runner would: the physical bound.</summary>
    public static async Task<ThroughputRound> Raw(int round, int jobs, int concurrency)
    {
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, jobs), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (_, ct) =>
        {
            using var process = Process.Start(new ProcessStartInfo("/bin/true") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            await Task.WhenAll(process.StandardOutput.ReadToEndAsync(ct), process.StandardError.ReadToEndAsync(ct));
            await process.WaitForExitAsync(ct);
        });
        var seconds = clock.Elapsed.TotalSeconds;
        return new ThroughputRound("raw Process.Start", round, jobs, seconds, jobs / seconds, null, 0);
    }

    /// <summary>Submits <paramref name="jobs"/> jobs through the gateway, <paramref name="concurrency"/> at once, until every one is terminal.</summary>
    public async Task<ThroughputRound> System(int round, int jobs, int concurrency, Action? sample = null)
    {
        var clock = Stopwatch.StartNew();
        var ids = await SubmitMany(jobs, concurrency);
        var submitted = clock.Elapsed.TotalSeconds;
        var notSucceeded = await WaitTerminal(ids, TimeSpan.FromMinutes(10), sample);
        var seconds = clock.Elapsed.TotalSeconds;
        return new ThroughputRound("Jobs (gateway → executor)", round, jobs, seconds, jobs / seconds, submitted, notSucceeded);
    }

    /// <summary>
    /// An open loop: a submit every 1/<paramref name="rate"/> s whatever the answers, for <paramref name="seconds"/> s;
    /// then each job's start and end (the executor's clock, on this machine) against when its POST was sent.
    /// </summary>
    public async Task<DispatchResult> Dispatch(int rate, int seconds)
    {
        var count = rate * seconds;
        var sent = new DateTimeOffset[count];
        var answered = new double[count];
        var ids = new Guid[count];
        var clock = Stopwatch.StartNew();
        var submits = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            if (due > clock.Elapsed)
                await Task.Delay(due - clock.Elapsed);
            var index = i;
            submits.Add(Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                sent[index] = DateTimeOffset.UtcNow;
                ids[index] = await Submit();
                answered[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }));
        }
        await Task.WhenAll(submits);
        var achieved = count / clock.Elapsed.TotalSeconds;
        var notSucceeded = await WaitTerminal(ids, TimeSpan.FromMinutes(5));

        var times = await StartAndEnd(ids);
        var started = new List<double>();
        var ended = new List<double>();
        for (var i = 0; i < count; i++)
        {
            if (times.TryGetValue(ids[i], out var t) && t.Started is { } s && t.Finished is { } f)
            {
                started.Add((s - sent[i]).TotalMilliseconds);
                ended.Add((f - sent[i]).TotalMilliseconds);
            }
        }
        return new DispatchResult(rate, count, achieved, Percentiles.Require(answered), Percentiles.Require(started), Percentiles.Require(ended), notSucceeded);
    }

    /// <summary>Stops the executor, queues <paramref name="jobs"/> jobs, starts it again and times the drain.</summary>
    public async Task<BacklogResult> Backlog(int jobs, int concurrency)
    {
        var executor = system.Services["executor-1"];
        await executor.Stop(TimeSpan.FromSeconds(30));
        // Nothing may be placed on it while it is away: wait until the Scheduler has it as draining or lost.
        await Eventually.Get(
            () => http.GetFromJsonAsync<JsonElement>("/api/executors"),
            list => list.GetProperty("executors").EnumerateArray().Any(e =>
                e.GetProperty("id").GetString() == "test-1" && (e.GetProperty("draining").GetBoolean() || e.GetProperty("lostAt").ValueKind != JsonValueKind.Null)),
            TimeSpan.FromSeconds(60),
            "the stopped executor to be out of placement");

        log.WriteLine($"backlog: submitting {jobs} jobs with no executor");
        var clock = Stopwatch.StartNew();
        var ids = await SubmitMany(jobs, concurrency);
        var submitSeconds = clock.Elapsed.TotalSeconds;

        log.WriteLine("backlog: starting the executor");
        clock.Restart();
        await system.StartService("executor-1");
        var healthy = clock.Elapsed.TotalSeconds;
        var notSucceeded = await WaitTerminal(ids, TimeSpan.FromMinutes(20));
        var drain = clock.Elapsed.TotalSeconds;
        return new BacklogResult(jobs, submitSeconds, jobs / submitSeconds, drain, jobs / drain, drain - healthy, notSucceeded, MemoryOfServices());
    }

    public IReadOnlyDictionary<string, Memory> MemoryOfServices() =>
        system.Services.ToDictionary(s => s.Key, s => Memory.Of(s.Value.ProcessId));

    async Task<List<Guid>> SubmitMany(int jobs, int concurrency)
    {
        var ids = new ConcurrentBag<Guid>();
        await Parallel.ForEachAsync(Enumerable.Range(0, jobs), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (_, _) => ids.Add(await Submit()));
        return [.. ids];
    }

    async Task<Guid> Submit()
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await http.PostAsJsonAsync("/api/jobs", new { command = "/bin/true" });
            if (response.StatusCode == HttpStatusCode.Created)
                return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            // A rate limit is the system saying "later", not a failure of the run.
            if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < 100)
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                continue;
            }
            throw new InvalidOperationException($"POST /api/jobs answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Polls the database (cheaper than the API) until every job has ended; returns how many did not succeed.</summary>
    async Task<int> WaitTerminal(IReadOnlyCollection<Guid> ids, TimeSpan timeout, Action? sample = null)
    {
        var list = ids.ToArray();
        await using var data = system.Database.CreateDataSource();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            sample?.Invoke();
            await using var command = data.CreateCommand("SELECT count(*) FILTER (WHERE status = ANY($2)), count(*) FILTER (WHERE status = 'Succeeded') FROM jobapi.jobs WHERE id = ANY($1)");
            command.Parameters.Add(new NpgsqlParameter { Value = list });
            command.Parameters.Add(new NpgsqlParameter { Value = Terminal });
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var (ended, succeeded) = (reader.GetInt64(0), reader.GetInt64(1));
            if (ended == list.Length)
                return (int)(list.Length - succeeded);
            if (deadline.Elapsed > timeout)
                throw new TimeoutException($"{list.Length - ended} of {list.Length} jobs had not ended after {timeout.TotalSeconds:0} s.\n{system.Logs()}");
            await Task.Delay(20);
        }
    }

    async Task<Dictionary<Guid, (DateTimeOffset? Started, DateTimeOffset? Finished)>> StartAndEnd(Guid[] ids)
    {
        await using var data = system.Database.CreateDataSource();
        await using var command = data.CreateCommand("SELECT id, started_at, finished_at FROM jobapi.jobs WHERE id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = ids });
        await using var reader = await command.ExecuteReaderAsync();
        var times = new Dictionary<Guid, (DateTimeOffset?, DateTimeOffset?)>();
        while (await reader.ReadAsync())
        {
            times[reader.GetGuid(0)] = (
                reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));
        }
        return times;
    }
}
