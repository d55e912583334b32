using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Jobs.Bench.ControlPlane;

/// <summary>One POST /api/jobs: when it was sent (wall clock, to line up with the services' timestamps), how long its answer took, what it gave.</summary>
internal sealed record Submission(int Index, Guid? JobId, DateTimeOffset SentAt, double LatencyMs, int StatusCode, int Throttled, string? Error);

/// <summary>A batch of submits: each POST, and the time from the first send until the last answer.</summary>
internal sealed record SubmitRun(IReadOnlyList<Submission> Submissions, long BeganTimestamp, double Seconds)
{
    public IEnumerable<Guid> Accepted => Submissions.Where(s => s.JobId is not null).Select(s => s.JobId!.Value);

    public int Failed => Submissions.Count(s => s.JobId is null);

    public int Throttled => Submissions.Sum(s => s.Throttled);
}

/// <summary>
/// Submits <c>/bin/true</c> jobs through the gateway, <c>concurrency</c> POSTs in flight at once. A 429 (the rate limits
/// are raised for the bench, so there should be none) waits its Retry-After and is sent again, and counted.
/// </summary>
internal static class Submitter
{
    public const string Command = "/bin/true";
    static readonly byte[] Body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { command = Command }));
    static readonly MediaTypeHeaderValue Json = new("application/json");

    public static async Task<SubmitRun> Run(HttpClient http, int count, int concurrency, Action? answered, CancellationToken cancellationToken)
    {
        var submissions = new Submission[count];
        var next = -1;
        var began = Stopwatch.GetTimestamp();

        async Task Worker()
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                submissions[i] = await SubmitOne(http, i, cancellationToken);
                answered?.Invoke();
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, count)).Select(_ => Task.Run(Worker, cancellationToken)));
        return new SubmitRun(submissions, began, Stopwatch.GetElapsedTime(began).TotalSeconds);
    }

    static async Task<Submission> SubmitOne(HttpClient http, int index, CancellationToken cancellationToken)
    {
        var throttled = 0;
        while (true)
        {
            var sentAt = DateTimeOffset.UtcNow;
            var start = Stopwatch.GetTimestamp();
            try
            {
                using var content = new ByteArrayContent(Body);
                content.Headers.ContentType = Json;
                using var response = await http.PostAsync(new Uri("/api/jobs", UriKind.Relative), content, cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                var latency = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    throttled++;
                    await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancellationToken);
                    continue;
                }
                if (response.StatusCode != HttpStatusCode.Created)
                    return new Submission(index, null, sentAt, latency, (int)response.StatusCode, throttled, Shorten(text));
                using var document = JsonDocument.Parse(text);
                return new Submission(index, document.RootElement.GetProperty("id").GetGuid(), sentAt, latency, (int)response.StatusCode, throttled, null);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or FormatException
                && !cancellationToken.IsCancellationRequested)
            {
                return new Submission(index, null, sentAt, Stopwatch.GetElapsedTime(start).TotalMilliseconds, 0, throttled, Shorten(ex.Message));
            }
        }
    }

    static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
