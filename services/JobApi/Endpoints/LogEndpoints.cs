using System.Text.Json;
using Jobs.JobApi.Api;
using Jobs.JobApi.Data;
using Jobs.JobApi.Security;
using Jobs.ServiceDefaults.Security;
using Jobs.JobApi.StateMachines;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Jobs.JobApi.Endpoints;

/// <summary>A job's output three ways: paged, whole (raw bytes), and live (Server-Sent Events that resume).</summary>
public static class LogEndpoints
{
    /// <summary>Chunks read from the database at a time by a live stream: at most this many times 64 KiB are held per client.</summary>
    const int StreamPage = 16;

    static readonly TimeSpan LookAgain = TimeSpan.FromSeconds(1);
    static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapLogEndpoints(this IEndpointRouteBuilder app)
    {
        var logs = app.MapGroup("/api/jobs/{id:guid}/logs").WithTags("Logs").RequireAuthorization(JobsPolicies.Read);
        logs.MapGet("/", Page);
        logs.MapGet("/raw", Raw);
        logs.MapGet("/stream", Stream);
        return app;
    }

    /// <summary>Chunks in order (attempt, seq) from <c>offset</c>; <c>complete</c> once no more can come.</summary>
    static async Task<Results<Ok<LogPage>, ProblemHttpResult, ValidationProblem>> Page(
        Guid id, HttpContext http, IDbContextFactory<JobApiDbContext> dbFactory, LogReader logs, CancellationToken cancellationToken,
        int? offset = null, int? limit = null, int? attempt = null, string? stream = null)
    {
        var errors = new Dictionary<string, string[]>();
        if (offset < 0)
            errors["offset"] = ["Must be 0 or more."];
        if (limit is < 1 or > JobEndpoints.MaxLimit)
            errors["limit"] = [$"Must be between 1 and {JobEndpoints.MaxLimit}."];
        var filter = LogFilter.Parse(attempt, stream, errors);
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        var job = await JobEndpoints.Load(id, Caller.Of(http).Tenant, dbFactory, cancellationToken);
        if (job is null)
            return JobEndpoints.NotFound(id);

        // Completeness first: a log found complete stays complete, so the page read after it is whole.
        var complete = LogCompleteness.IsComplete(job, filter.Attempt, await logs.StoredPerAttempt(id, cancellationToken));
        var from = offset ?? 0;
        var size = limit ?? JobEndpoints.MaxLimit;
        var items = await logs.Read(id, filter, from, size, cancellationToken);
        return TypedResults.Ok(new LogPage(id, from, size, from + items.Count, complete, items));
    }

    /// <summary>The output's bytes exactly as the process wrote them, streamed from the database chunk by chunk.</summary>
    static async Task<Results<EmptyHttpResult, ProblemHttpResult, ValidationProblem>> Raw(
        Guid id, HttpContext http, IDbContextFactory<JobApiDbContext> dbFactory, LogReader logs, CancellationToken cancellationToken,
        int? attempt = null, string? stream = null)
    {
        var errors = new Dictionary<string, string[]>();
        var filter = LogFilter.Parse(attempt, stream, errors);
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        if (await JobEndpoints.Load(id, Caller.Of(http).Tenant, dbFactory, cancellationToken) is null)
            return JobEndpoints.NotFound(id);

        http.Response.ContentType = "text/plain; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"inline; filename=\"{id}.log\"";
        await logs.CopyRaw(id, filter, http.Response.Body, cancellationToken);
        return TypedResults.Empty;
    }

    /// <summary>
    /// Server-Sent Events: every stored chunk (event <c>chunk</c>, id <c>attempt.seq</c>), then new ones as LogSink
    /// commits them, then an <c>end</c> event once the job is terminal and its log complete. <c>Last-Event-ID</c> (or
    /// <c>lastEventId</c> in the query, for clients that cannot set headers) resumes right after that chunk. A slow
    /// client slows only its own reads: at most one page of chunks is held for it.
    /// </summary>
    static async Task<Results<EmptyHttpResult, ProblemHttpResult, ValidationProblem>> Stream(
        Guid id, HttpContext http, IDbContextFactory<JobApiDbContext> dbFactory, LogReader logs, LogListener listener,
        CancellationToken cancellationToken, int? attempt = null, string? stream = null, string? lastEventId = null)
    {
        var errors = new Dictionary<string, string[]>();
        var filter = LogFilter.Parse(attempt, stream, errors);
        var resumeFrom = http.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? lastEventId;
        var position = LogPosition.Start;
        if (!string.IsNullOrEmpty(resumeFrom) && !LogPosition.TryParse(resumeFrom, out position))
            errors["Last-Event-ID"] = ["Must be the id of an event of this stream: attempt.seq, as in 1.41."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        if (await JobEndpoints.Load(id, Caller.Of(http).Tenant, dbFactory, cancellationToken) is null)
            return JobEndpoints.NotFound(id);

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        // Proxies that buffer (nginx) pass the events on at once.
        http.Response.Headers["X-Accel-Buffering"] = "no";
        // A first comment at once: a proxy (YARP) passes the headers on only with the first bytes of the body, and the
        // client should know its stream is open before the first chunk.
        await Write(http, ": connected\n\n", cancellationToken);

        using var subscription = listener.Subscribe(id);
        var idle = TimeSpan.Zero;
        try
        {
            while (true)
            {
                // Both streams are read, so the order is judged on every chunk of an attempt; only the chunks that
                // follow on without a hole are sent. LogSink may store a chunk after later ones (after a restart, the
                // unacknowledged ones come back behind newer ones): sending past the hole would skip it for good.
                var page = await logs.ReadAfter(id, filter with { Stream = null }, position, StreamPage, cancellationToken);
                var taken = 0;
                foreach (var chunk in page.TakeWhile(chunk => position.IsFollowedBy(chunk.Attempt, chunk.Seq)))
                {
                    position = new LogPosition(chunk.Attempt, chunk.Seq);
                    taken++;
                    if (filter.Stream is null || string.Equals(chunk.Stream, filter.Stream.Value.ToString(), StringComparison.OrdinalIgnoreCase))
                        await Write(http, $"id: {position}\nevent: chunk\ndata: {JsonSerializer.Serialize(chunk, JsonSerializerOptions.Web)}\n\n", cancellationToken);
                }
                if (taken == StreamPage)
                    continue;

                var job = (await JobEndpoints.Load(id, Caller.Of(http).Tenant, dbFactory, cancellationToken))!;
                if (LogCompleteness.IsComplete(job, filter.Attempt, await logs.StoredPerAttempt(id, cancellationToken))
                    && (await logs.ReadAfter(id, filter, position, 1, cancellationToken)).Count == 0)
                {
                    await Write(http, $"event: end\ndata: {JsonSerializer.Serialize(new { status = job.CurrentState }, JsonSerializerOptions.Web)}\n\n", cancellationToken);
                    return TypedResults.Empty;
                }

                idle = await subscription.Wait(LookAgain, cancellationToken) ? TimeSpan.Zero : idle + LookAgain;
                if (idle >= KeepAlive)
                {
                    await Write(http, ": keep-alive\n\n", cancellationToken);
                    idle = TimeSpan.Zero;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away; it resumes with Last-Event-ID.
            return TypedResults.Empty;
        }
    }

    static async Task Write(HttpContext http, string text, CancellationToken cancellationToken)
    {
        await http.Response.WriteAsync(text, cancellationToken);
        await http.Response.Body.FlushAsync(cancellationToken);
    }
}
