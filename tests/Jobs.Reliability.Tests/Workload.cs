using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Jobs.Testing;
using Npgsql;

namespace Jobs.Reliability.Tests;

/// <summary>
/// N jobs submitted through the gateway, a few at a time, each printing <see cref="Lines"/> numbered lines tagged with
/// this run's <see cref="Marker"/>. Lost attempts are retried; nothing else is, so any other failure shows.
/// </summary>
public sealed class Workload
{
    public const int Lines = 20;

    /// <summary>Jobs in flight at once while submitting.</summary>
    const int Submitters = 8;

    static readonly TimeSpan SubmitDeadline = TimeSpan.FromMinutes(3);

    readonly Guid[] ids;
    readonly Task submission;

    Workload(int count, HttpClient http)
    {
        Count = count;
        ids = new Guid[count];
        submission = Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = Submitters },
            async (job, _) => ids[job] = await Submit(http, job));
    }

    /// <summary>In every job's command line and output, so the run's processes and lines can be told from any other.</summary>
    public string Marker { get; } = $"rel{Guid.NewGuid():N}"[..16];

    public int Count { get; }

    /// <summary>Starts submitting <paramref name="count"/> jobs in the background.</summary>
    public static Workload Start(JobsSystem system, int count) => new(count, system.CreateClient());

    /// <summary>Every job's id, by job number, once all are accepted.</summary>
    public async Task<IReadOnlyList<Guid>> Submitted()
    {
        await submission;
        return ids;
    }

    public string ExpectedOutput(int job) => string.Concat(Enumerable.Range(1, Lines).Select(line => $"{Marker}-{job}-{line}\n"));

    /// <summary>
    /// Sleeps between lines, so a job runs for about a second: long enough to be caught running by a fault, and its
    /// output comes in several chunks.
    /// </summary>
    object Spec(int job) => new
    {
        command = $"for i in $(seq 1 {Lines}); do echo {Marker}-{job}-$i; sleep 0.05; done",
        shell = true,
        retry = new { maxAttempts = 3, initialDelaySeconds = 0, retryOn = new[] { "lost" } },
    };

    /// <summary>
    /// Submits with an idempotency key and tries again on anything but a refusal: JobApi may be down or restarting
    /// while jobs are submitted, and the key makes the retry of a submit that did land return the same job.
    /// </summary>
    async Task<Guid> Submit(HttpClient http, int job)
    {
        var deadline = DateTime.UtcNow + SubmitDeadline;
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            string problem;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = JsonContent.Create(Spec(job)) };
                request.Headers.Add("Idempotency-Key", $"{Marker}-{job}");
                using var response = await http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                {
                    using var json = JsonDocument.Parse(body);
                    return json.RootElement.GetProperty("id").GetGuid();
                }
                if ((int)response.StatusCode is >= 400 and < 500 and not 408 and not 429)
                    throw new InvalidOperationException($"Job {job} was refused: {(int)response.StatusCode} {body}");
                problem = $"{(int)response.StatusCode} {body}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                problem = ex.Message;
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Job {job} was not accepted within {SubmitDeadline.TotalSeconds:0} s; last answer: {problem}");
            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
        }
    }

    /// <summary>The share of the run's jobs that have ended, from the job rows (JobApi may be down).</summary>
    public async Task<double> TerminalFraction(NpgsqlDataSource database)
    {
        await using var command = database.CreateCommand("SELECT count(*) FROM jobapi.jobs WHERE status = ANY($1)");
        command.Parameters.Add(new() { Value = Invariants.TerminalStatuses });
        return (long)(await command.ExecuteScalarAsync())! / (double)Count;
    }
}
