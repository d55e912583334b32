using Jobs.Contracts;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Jobs.JobApi.Endpoints;

/// <summary>The executor registry, kept by the Scheduler: listing executors, draining and resuming them.</summary>
public static class ExecutorEndpoints
{
    public static IEndpointRouteBuilder MapExecutorEndpoints(this IEndpointRouteBuilder app)
    {
        var executors = app.MapGroup("/api/executors");
        executors.MapGet("/", List);
        executors.MapPost("/{id}/drain", (string id, IRequestClient<SetExecutorDrain> client, CancellationToken cancellationToken) =>
            SetDrain(id, drain: true, client, cancellationToken));
        executors.MapPost("/{id}/resume", (string id, IRequestClient<SetExecutorDrain> client, CancellationToken cancellationToken) =>
            SetDrain(id, drain: false, client, cancellationToken));
        return app;
    }

    static async Task<Ok<ExecutorList>> List(IRequestClient<ListExecutors> client, CancellationToken cancellationToken) =>
        TypedResults.Ok((await client.GetResponse<ExecutorList>(new ListExecutors(), cancellationToken)).Message);

    /// <summary>
    /// A drained executor gets no new work and finishes what it runs; it stays drained across its restarts until resumed.
    /// </summary>
    static async Task<Results<Ok<ExecutorDrainResult>, ProblemHttpResult>> SetDrain(
        string id, bool drain, IRequestClient<SetExecutorDrain> client, CancellationToken cancellationToken)
    {
        var result = (await client.GetResponse<ExecutorDrainResult>(new SetExecutorDrain(id, drain), cancellationToken)).Message;
        return result.Found
            ? TypedResults.Ok(result)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Executor not found", detail: $"No executor '{id}' has registered.");
    }
}
