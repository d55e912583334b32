using Jobs.Contracts;
using Jobs.JobApi.Api;
using Jobs.JobApi.Data;
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
        jobs.MapGet("/{id:guid}/logs", Logs);
        return app;
    }

    /// <summary>Answers 201 only once the saga has committed the job row (the saga responds from inside its outbox).</summary>
    static async Task<Results<Created<JobCreatedResponse>, ProblemHttpResult, ValidationProblem>> Submit(
        HttpRequest request, IRequestClient<SubmitJob> client, CancellationToken cancellationToken)
    {
        var (document, problem) = await JsonBody.Read(request, cancellationToken);
        if (problem is not null)
            return problem;

        using (document)
        {
            var (spec, errors) = SubmitJobRequest.Parse(document!.RootElement);
            if (spec is null)
                return TypedResults.ValidationProblem(errors, title: "The job is not valid.");

            var jobId = NewId.NextSequentialGuid();
            var response = await client.GetResponse<JobAccepted>(new SubmitJob(jobId, spec, DateTimeOffset.UtcNow), cancellationToken);
            return TypedResults.Created($"/api/jobs/{jobId}", new JobCreatedResponse(jobId, response.Message.Status));
        }
    }

    static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> Get(
        Guid id, IDbContextFactory<JobApiDbContext> dbFactory, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(x => x.CorrelationId == id, cancellationToken);
        return job is null ? NotFound(id) : TypedResults.Ok(JobResponse.From(job));
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

        var next = page.Count == pageSize ? new JobCursor(page[^1].SubmittedAt, page[^1].CorrelationId).Encode() : null;
        return TypedResults.Ok(new JobListResponse([.. page.Select(JobResponse.From)], next));
    }

    static async Task<Results<Ok<LogPage>, ProblemHttpResult, ValidationProblem>> Logs(
        Guid id, IDbContextFactory<JobApiDbContext> dbFactory, LogReader logs, CancellationToken cancellationToken,
        int? offset = null, int? limit = null)
    {
        var errors = new Dictionary<string, string[]>();
        if (offset < 0)
            errors["offset"] = ["Must be 0 or more."];
        if (limit is < 1 or > MaxLimit)
            errors["limit"] = [$"Must be between 1 and {MaxLimit}."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.Jobs.AnyAsync(x => x.CorrelationId == id, cancellationToken))
            return NotFound(id);

        var from = offset ?? 0;
        var size = limit ?? MaxLimit;
        var items = await logs.Read(id, from, size, cancellationToken);
        return TypedResults.Ok(new LogPage(id, from, size, from + items.Count, items));
    }

    static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Job not found", detail: $"There is no job {id}.");
}
