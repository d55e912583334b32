using System.Globalization;
using System.Text.RegularExpressions;
using Jobs.Testing;

namespace Jobs.EndToEnd.Tests;

/// <summary>
/// The job metrics on each service's <c>/metrics</c> after a known set of jobs, on a system of its own so that no other
/// test's jobs are counted.
/// </summary>
public sealed partial class MetricsTests : IAsyncLifetime
{
    JobsSystem system = null!;

    public async Task InitializeAsync() => system = await JobsSystem.Start(executors: 1, slotsPerExecutor: 2);

    public async Task DisposeAsync() => await system.DisposeAsync();

    [Fact]
    public async Task AfterTwoSuccessesAndOneFailureRetriedOnce_EachServiceCountsThem()
    {
        var jobs = new JobsClient(system.CreateClient(), system);
        var ids = new[]
        {
            await jobs.Submit(new { command = "echo", args = new[] { "one" } }),
            await jobs.Submit(new { command = "echo", args = new[] { "two" } }),
            await jobs.Submit(new { command = "echo three; exit 3", shell = true, retry = new { maxAttempts = 2, initialDelaySeconds = 0 } }),
        };
        foreach (var id in ids)
            await jobs.Output(id);

        var jobApi = await Scrape("jobapi", m => Value(m, "jobs_ended_total", "status=\"Failed\"") == 1);
        Assert.Equal(3, Value(jobApi, "jobs_submitted_total", "pool=\"default\""));
        Assert.Equal(2, Value(jobApi, "jobs_ended_total", "status=\"Succeeded\""));
        Assert.Equal(1, Value(jobApi, "jobs_retries_total", "failure=\"ExitCode\""));
        Assert.Equal(3, Value(jobApi, "jobs_queue_wait_seconds_count", "pool=\"default\""));
        Assert.Equal(4, Value(jobApi, "jobs_attempt_run_time_seconds_count", "pool=\"default\""));
        // Sub-second buckets, so dispatch latency quantiles mean something.
        Assert.Contains("jobs_queue_wait_seconds_bucket{", jobApi, StringComparison.Ordinal);
        Assert.Contains("le=\"0.25\"", jobApi, StringComparison.Ordinal);

        var scheduler = await Scrape("scheduler", m => Value(m, "jobs_placed_total", "") == 4);
        Assert.Equal(4, Value(scheduler, "jobs_placed_total", ""));
        // One executor with two slots, idle once the jobs are done.
        var slots = await Scrape("scheduler", m => Value(m, "executors_slots", "state=\"free\"") == 2);
        Assert.Equal(0, Value(slots, "executors_slots", "state=\"used\""));

        var logSink = await Scrape("logsink", m => Value(m, "logs_chunks_stored_total", "") >= 4);
        Assert.Equal("one\ntwo\nthree\nthree\n".Length, Value(logSink, "logs_received_bytes_total", ""));
        Assert.True(Value(logSink, "logs_batch_duration_seconds_count", "") >= 1);

        var executor = await Scrape("executor-1", m => m.Contains("process_runtime_dotnet", StringComparison.Ordinal) || m.Contains("dotnet_", StringComparison.Ordinal));
        Assert.Contains("# TYPE", executor, StringComparison.Ordinal);
        Assert.Contains("# TYPE", await Scrape("gateway", _ => true), StringComparison.Ordinal);
    }

    async Task<string> Scrape(string service, Func<string, bool> done)
    {
        using var http = new HttpClient { BaseAddress = system.Services[service].BaseAddress };
        return await Eventually.Get(() => http.GetStringAsync("/metrics"), done, TimeSpan.FromSeconds(30), $"{service} metrics");
    }

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels contain <paramref name="label"/>.</summary>
    internal static double Value(string metrics, string name, string label) =>
        metrics.Split('\n')
            .Select(line => Sample().Match(line))
            .Where(m => m.Success && m.Groups["name"].Value == name && m.Groups["labels"].Value.Contains(label, StringComparison.Ordinal))
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[0-9.eE+-]+)")]
    private static partial Regex Sample();
}
