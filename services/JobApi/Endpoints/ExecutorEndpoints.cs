using Jobs.Contracts;
using Jobs.JobApi.Security;
using Jobs.ServiceDefaults.Security;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Jobs.JobApi.Endpoints;

/// <summary>
/// The executor registry, kept by the Scheduler: listing executors, draining and resuming them. Executors are shared
/// by every tenant, so this is for admins only; each drain and resume is audited in the admin's tenant.
/// </summary>
public static class ExecutorEndpoints
{
    public static IEndpointRouteBuilder MapExecutorEndpoints(this IEndpointRouteBuilder app)
    {
        var executors = app.MapGroup("/api/executors").WithTags("Executors").RequireAuthorization(JobsPolicies.Admin);
        executors.MapGet("/", List);
        executors.MapPost("/{id}/drain", (string id, HttpContext http, IRequestClient<SetExecutorDrain> client, AuditLog audit, CancellationToken cancellationToken) =>
            SetDrain(id, drain: true, Caller.Of(http), client, audit, cancellationToken));
        executors.MapPost("/{id}/resume", (string id, HttpContext http, IRequestClient<SetExecutorDrain> client, AuditLog audit, CancellationToken cancellationToken) =>
            SetDrain(id, drain: false, Caller.Of(http), client, audit, cancellationToken));
        return app;
    }

    static async Task<Ok<ExecutorList>> List(IRequestClient<ListExecutors> client, CancellationToken cancellationToken) =>
        TypedResults.Ok((await client.GetResponse<ExecutorList>(new ListExecutors(), cancellationToken)).Message);

    /// <summary>
    /// A drained executor gets no new work and finishes what it runs; it stays drained across its restarts until resumed.
    /// </summary>
    static async Task<Results<Ok<ExecutorDrainResult>, ProblemHttpResult>> SetDrain(
        string id, bool drain, Caller caller, IRequestClient<SetExecutorDrain> client, AuditLog audit, CancellationToken cancellationToken)
    {
        // Executor ids are at most 128 characters; a longer one cannot have registered.
        var result = id.Length <= 128
            ? (await client.GetResponse<ExecutorDrainResult>(new SetExecutorDrain(id, drain), cancellationToken)).Message
            : new ExecutorDrainResult(id, Found: false, Draining: false);
        if (!result.Found)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Executor not found", detail: $"No executor '{id}' has registered.");
        await audit.Record(caller, drain ? AuditActions.ExecutorDrain : AuditActions.ExecutorResume, $"executor/{id}", cancellationToken: cancellationToken);
        return TypedResults.Ok(result);
    }
}
