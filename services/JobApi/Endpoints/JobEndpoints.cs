using Jobs.Contracts;
using Jobs.JobApi.Api;
using Jobs.JobApi.Data;
using Jobs.JobApi.Security;
using Jobs.JobApi.StateMachines;
using Jobs.ServiceDefaults.Security;
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
        var jobs = app.MapGroup("/api/jobs").WithTags("Jobs");
        jobs.MapPost("/", Submit).RequireAuthorization(JobsPolicies.Operate);
        jobs.MapGet("/{id:guid}", Get).RequireAuthorization(JobsPolicies.Read);
        jobs.MapGet("/", List).RequireAuthorization(JobsPolicies.Read);
        jobs.MapPost("/{id:guid}/cancel", Cancel).RequireAuthorization(JobsPolicies.Operate);
        jobs.MapPost("/{id:guid}/retry", Retry).RequireAuthorization(JobsPolicies.Operate);
        return app;
    }

    /// <summary>
    /// Answers 201 only once the saga has committed the job row (the saga responds from inside its outbox). With an
    /// <c>Idempotency-Key</c>, a repeat of the same request answers 200 with the first job; another request under the
    /// same key is a 409. A job the tenant's command policy does not allow is a 403 naming the rule.
    /// </summary>
    static async Task<Results<Created<JobCreatedResponse>, Ok<JobCreatedResponse>, ProblemHttpResult, ValidationProblem>> Submit(
        HttpContext http, IRequestClient<SubmitJob> client, IdempotencyKeys keys, CommandPolicyEvaluator policy, AuditLog audit,
        CancellationToken cancellationToken)
    {
        var caller = Caller.Of(http);
        var key = http.Request.Headers[IdempotencyKeys.Header].ToString();
        if (http.Request.Headers.ContainsKey(IdempotencyKeys.Header) && IdempotencyKeys.Validate(key) is { } keyError)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [IdempotencyKeys.Header] = [keyError] });

        var (document, problem) = await JsonBody.Read(http.Request, cancellationToken);
        if (problem is not null)
            return problem;

        using (document)
        {
            var (submission, errors) = SubmitJobRequest.Parse(document!.RootElement);
            if (submission is null)
                return TypedResults.ValidationProblem(errors, title: "The job is not valid.");
            var (spec, denial, policyErrors) = policy.Evaluate(caller, submission);
            if (policyErrors.Count > 0)
                return TypedResults.ValidationProblem(policyErrors, title: "The job is not valid.");
            if (denial is not null)
            {
                await audit.Record(caller, AuditActions.JobSubmit, submission.Template?.Name ?? submission.Spec.Command, AuditLog.Denied, $"{denial.Rule}: {denial.Reason}", cancellationToken);
                return Forbidden("Not allowed by the command policy", denial.Reason, denial.Rule);
            }

            var jobId = NewId.NextSequentialGuid();
            var replayed = false;
            if (key.Length > 0)
            {
                (jobId, replayed, var sameRequest) = await keys.Claim(caller.Tenant, key, spec!, jobId, cancellationToken);
                if (!sameRequest)
                {
                    return TypedResults.Problem(
                        statusCode: StatusCodes.Status409Conflict,
                        title: "Idempotency key reused",
                        detail: $"The key was first used for job {jobId} with a different request.");
                }
            }

            var response = await client.GetResponse<JobAccepted>(
                new SubmitJob(jobId, spec!, DateTimeOffset.UtcNow) { Tenant = caller.Tenant, Owner = caller.Subject }, cancellationToken);
            if (!replayed)
                await audit.Record(caller, AuditActions.JobSubmit, $"job/{jobId}", detail: submission.Template is { } t ? $"template {t.Name}" : null, cancellationToken: cancellationToken);
            var created = new JobCreatedResponse(jobId, response.Message.Status);
            var location = $"/api/jobs/{jobId}";
            if (!replayed)
                return TypedResults.Created(location, created);
            http.Response.Headers.Location = location;
            return TypedResults.Ok(created);
        }
    }

    static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> Get(
        Guid id, HttpContext http, IDbContextFactory<JobApiDbContext> dbFactory, CancellationToken cancellationToken)
    {
        var job = await Load(id, Caller.Of(http).Tenant, dbFactory, cancellationToken);
        return job is null ? NotFound(id) : TypedResults.Ok(JobResponse.From(job));
    }

    /// <summary>
    /// The job with its attempts, unchanged by the reader; null if there is none in <paramref name="tenant"/> (another
    /// tenant's job is not found, never forbidden: its existence is not told).
    /// </summary>
    internal static async Task<JobState?> Load(Guid id, string tenant, IDbContextFactory<JobApiDbContext> dbFactory, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Jobs.AsNoTracking().Include(x => x.Attempts)
            .SingleOrDefaultAsync(x => x.CorrelationId == id && x.Tenant == tenant, cancellationToken);
    }

    static async Task<Results<Ok<JobListResponse>, ValidationProblem>> List(
        HttpContext http, IDbContextFactory<JobApiDbContext> dbFactory, CancellationToken cancellationToken, int? limit = null, string? cursor = null)
    {
        var tenant = Caller.Of(http).Tenant;
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
            ? db.Jobs.FromSql($"SELECT * FROM jobapi.jobs WHERE tenant = {tenant} ORDER BY submitted_at DESC, id DESC LIMIT {pageSize}")
            : db.Jobs.FromSql(
                $"SELECT * FROM jobapi.jobs WHERE tenant = {tenant} AND (submitted_at, id) < ({after.SubmittedAt}, {after.Id}) ORDER BY submitted_at DESC, id DESC LIMIT {pageSize}");
        var page = await query.AsNoTracking().ToListAsync(cancellationToken);
        await LoadAttempts(db, page, cancellationToken);

        var next = page.Count == pageSize ? new JobCursor(page[^1].SubmittedAt, page[^1].CorrelationId).Encode() : null;
        return TypedResults.Ok(new JobListResponse([.. page.Select(JobResponse.From)], next));
    }

    /// <summary>
    /// Asks the saga to cancel: a waiting job ends at once, a placed or running one moves to Canceling while its
    /// executor stops the process group. A job that has already ended is a 409. Operators cancel only their own jobs.
    /// </summary>
    static async Task<Results<Accepted<JobCreatedResponse>, ProblemHttpResult>> Cancel(
        Guid id, HttpContext http, IDbContextFactory<JobApiDbContext> dbFactory, IRequestClient<CancelJob> client, AuditLog audit,
        CancellationToken cancellationToken)
    {
        var caller = Caller.Of(http);
        var (_, refused) = await LoadToChange(id, caller, AuditActions.JobCancel, "cancel", dbFactory, audit, cancellationToken);
        if (refused is not null)
            return refused;

        var result = (await client.GetResponse<CancelJobResult>(new CancelJob(id, DateTimeOffset.UtcNow), cancellationToken)).Message;
        if (!result.Accepted)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Job already ended",
                detail: $"Job {id} is {result.Status}; only a job that has not ended can be canceled.");
        }
        await audit.Record(caller, AuditActions.JobCancel, $"job/{id}", cancellationToken: cancellationToken);
        return TypedResults.Accepted($"/api/jobs/{id}", new JobCreatedResponse(id, result.Status));
    }

    /// <summary>
    /// Runs an ended job again as a new job with the same spec (<c>retryOf</c> names the first). The new job belongs to
    /// the caller. Operators retry only their own jobs; a job that has not ended is a 409.
    /// </summary>
    static async Task<Results<Created<JobCreatedResponse>, ProblemHttpResult>> Retry(
        Guid id, HttpContext http, IDbContextFactory<JobApiDbContext> dbFactory, IRequestClient<SubmitJob> client, AuditLog audit,
        CancellationToken cancellationToken)
    {
        var caller = Caller.Of(http);
        var (job, refused) = await LoadToChange(id, caller, AuditActions.JobRetry, "retry", dbFactory, audit, cancellationToken);
        if (refused is not null)
            return refused;
        if (!LogCompleteness.TerminalStatuses.Contains(job!.CurrentState))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Job has not ended",
                detail: $"Job {id} is {job.CurrentState}; only an ended job can be retried.");
        }

        var jobId = NewId.NextSequentialGuid();
        var response = await client.GetResponse<JobAccepted>(
            new SubmitJob(jobId, job.Spec, DateTimeOffset.UtcNow) { Tenant = caller.Tenant, Owner = caller.Subject, RetryOf = id }, cancellationToken);
        await audit.Record(caller, AuditActions.JobRetry, $"job/{id}", detail: $"new job {jobId}", cancellationToken: cancellationToken);
        return TypedResults.Created($"/api/jobs/{jobId}", new JobCreatedResponse(jobId, response.Message.Status));
    }

    /// <summary>The job, if the caller may change it: 404 outside its tenant, 403 (audited) for an operator's job of someone else.</summary>
    static async Task<(JobState? Job, ProblemHttpResult? Refused)> LoadToChange(
        Guid id, Caller caller, string action, string verb, IDbContextFactory<JobApiDbContext> dbFactory, AuditLog audit, CancellationToken cancellationToken)
    {
        var job = await Load(id, caller.Tenant, dbFactory, cancellationToken);
        if (job is null)
            return (null, NotFound(id));
        if (caller.MayChange(job.Owner))
            return (job, null);
        await audit.Record(caller, action, $"job/{id}", AuditLog.Denied, "not the job's owner", cancellationToken);
        return (null, Forbidden("Not your job", $"Job {id} was submitted by someone else; operators {verb} only their own jobs."));
    }

    static async Task LoadAttempts(JobApiDbContext db, List<JobState> jobs, CancellationToken cancellationToken)
    {
        var ids = jobs.Select(j => j.CorrelationId).ToList();
        var attempts = await db.Set<JobAttempt>().AsNoTracking().Where(a => ids.Contains(a.JobId)).ToListAsync(cancellationToken);
        var byJob = attempts.ToLookup(a => a.JobId);
        foreach (var job in jobs)
            job.Attempts = [.. byJob[job.CorrelationId]];
    }

    internal static ProblemHttpResult Forbidden(string title, string detail, string? rule = null) => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden,
        title: title,
        detail: detail,
        extensions: rule is null ? null : new Dictionary<string, object?> { ["rule"] = rule });

    internal static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Job not found", detail: $"There is no job {id}.");
}
