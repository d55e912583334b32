using Jobs.Contracts;
using Jobs.JobApi.Api;
using Jobs.JobApi.Data;
using Jobs.JobApi.StateMachines;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Jobs.JobApi.Endpoints;

public static class JobEndpoints
{
    public const int DefaultListLimit = 50;
    public const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapJobEndpoints(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/jobs");
        jobs.MapPost("/", Submit);
        jobs.MapGet("/{id:guid}", Get);
        jobs.MapGet("/", List);
        jobs.MapPost("/{id:guid}/cancel", Cancel);
        return app;
    }

    /// <summary>
    /// Answers 201 only once the saga has committed the job row (the saga responds from inside its outbox). With an
    /// <c>Idempotency-Key</c>, a repeat of the same request answers 200 with the first job; another request under the
    /// same key is a 409.
    /// </summary>
    static async Task<Results<Created<JobCreatedResponse>, Ok<JobCreatedResponse>, ProblemHttpResult, ValidationProblem>> Submit(
        HttpContext http, IRequestClient<SubmitJob> client, IdempotencyKeys keys, CancellationToken cancellationToken)
    {
        var key = http.Request.Headers[IdempotencyKeys.Header].ToString();
        if (http.Request.Headers.ContainsKey(IdempotencyKeys.Header) && IdempotencyKeys.Validate(key) is { } keyError)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [IdempotencyKeys.Header] = [keyError] });

        var (document, problem) = await JsonBody.Read(http.Request, cancellationToken);
        if (problem is not null)
            return problem;

        using (document)
        {
            var (spec, errors) = SubmitJobRequest.Parse(document!.RootElement);
            if (spec is null)
                return TypedResults.ValidationProblem(errors, title: "The job is not valid.");

            var jobId = NewId.NextSequentialGuid();
            var replayed = false;
            if (key.Length > 0)
            {
                (jobId, replayed, var sameRequest) = await keys.Claim(key, spec, jobId, cancellationToken);
                if (!sameRequest)
                {
                    return TypedResults.Problem(
                        statusCode: StatusCodes.Status409Conflict,
                        title: "Idempotency key reused",
                        detail: $"The key was first used for job {jobId} with a different request.");
                }
            }

            var response = await client.GetResponse<JobAccepted>(new SubmitJob(jobId, spec, DateTimeOffset.UtcNow), cancellationToken);
            var created = new JobCreatedResponse(jobId, response.Message.Status);
            var location = $"/api/jobs/{jobId}";
            if (!replayed)
                return TypedResults.Created(location, created);
            http.Response.Headers.Location = location;
            return TypedResults.Ok(created);
        }
    }

    static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> Get(
        Guid id, IDbContextFactory<JobApiDbContext> dbFactory, CancellationToken cancellationToken)
    {
        var job = await Load(id, dbFactory, cancellationToken);
        return job is null ? NotFound(id) : TypedResults.Ok(JobResponse.From(job));
    }

    /// <summary>The job with its attempts, unchanged by the reader; null if there is none.</summary>
    internal static async Task<JobState?> Load(Guid id, IDbContextFactory<JobApiDbContext> dbFactory, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Jobs.AsNoTracking().Include(x => x.Attempts).SingleOrDefaultAsync(x => x.CorrelationId == id, cancellationToken);
    }

    static async Task<Results<Ok<JobListResponse>, ValidationProblem>> List(
        IDbContextFactory<JobApiDbContext> dbFactory, CancellationToken cancellationToken, int? limit = null, string? cursor = null)
    {
        var errors = new Dictionary<string, string[]>();
        var pageSize = limit ?? DefaultListLimit;
        if (pageSize is < 1 or > MaxLimit)
            errors["limit"] = [$"Must be between 1 and {MaxLimit}."];
        JobCursor after = default;
        if (cursor is not null && !JobCursor.TryDecode(cursor, out after))
            errors["cursor"] = ["Not a cursor this API issued."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = cursor is null
            ? db.Jobs.FromSql($"SELECT * FROM jobapi.jobs ORDER BY submitted_at DESC, id DESC LIMIT {pageSize}")
            : db.Jobs.FromSql(
                $"SELECT * FROM jobapi.jobs WHERE (submitted_at, id) < ({after.SubmittedAt}, {after.Id}) ORDER BY submitted_at DESC, id DESC LIMIT {pageSize}");
        var page = await query.AsNoTracking().ToListAsync(cancellationToken);
        await LoadAttempts(db, page, cancellationToken);

        var next = page.Count == pageSize ? new JobCursor(page[^1].SubmittedAt, page[^1].CorrelationId).Encode() : null;
        return TypedResults.Ok(new JobListResponse([.. page.Select(JobResponse.From)], next));
    }

    /// <summary>
    /// Asks the saga to cancel: a waiting job ends at once, a placed or running one moves to Canceling while its
    /// executor stops the process group. A job that has already ended is a 409.
    /// </summary>
    static async Task<Results<Accepted<JobCreatedResponse>, ProblemHttpResult>> Cancel(
        Guid id, IDbContextFactory<JobApiDbContext> dbFactory, IRequestClient<CancelJob> client, CancellationToken cancellationToken)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (!await db.Jobs.AnyAsync(x => x.CorrelationId == id, cancellationToken))
                return NotFound(id);
        }

        var result = (await client.GetResponse<CancelJobResult>(new CancelJob(id, DateTimeOffset.UtcNow), cancellationToken)).Message;
        return result.Accepted
            ? TypedResults.Accepted($"/api/jobs/{id}", new JobCreatedResponse(id, result.Status))
            : TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Job already ended",
                detail: $"Job {id} is {result.Status}; only a job that has not ended can be canceled.");
    }

    static async Task LoadAttempts(JobApiDbContext db, List<JobState> jobs, CancellationToken cancellationToken)
    {
        var ids = jobs.Select(j => j.CorrelationId).ToList();
        var attempts = await db.Set<JobAttempt>().AsNoTracking().Where(a => ids.Contains(a.JobId)).ToListAsync(cancellationToken);
        var byJob = attempts.ToLookup(a => a.JobId);
        foreach (var job in jobs)
            job.Attempts = [.. byJob[job.CorrelationId]];
    }

    internal static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Job not found", detail: $"There is no job {id}.");
}
