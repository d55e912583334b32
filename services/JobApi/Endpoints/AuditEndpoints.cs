using Jobs.JobApi.Data;
using Jobs.JobApi.Security;
using Jobs.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Jobs.JobApi.Endpoints;

/// <summary>The audit log of the admin's tenant, newest first.</summary>
public static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/audit", List).WithTags("Audit").RequireAuthorization(JobsPolicies.Admin);
        return app;
    }

    /// <summary><c>before</c> is the <c>id</c> of the last event already read (the answer's <c>next</c>); <c>action</c> filters by action.</summary>
    static async Task<Results<Ok<AuditPage>, ValidationProblem>> List(
        HttpContext http, IDbContextFactory<JobApiDbContext> dbFactory, CancellationToken cancellationToken,
        int? limit = null, long? before = null, string? action = null)
    {
        var errors = new Dictionary<string, string[]>();
        var size = limit ?? JobEndpoints.DefaultListLimit;
        if (size is < 1 or > JobEndpoints.MaxLimit)
            errors["limit"] = [$"Must be between 1 and {JobEndpoints.MaxLimit}."];
        if (before is < 1)
            errors["before"] = ["Must be an event id (1 or more)."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        var tenant = Caller.Of(http).Tenant;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.AuditEvents.AsNoTracking().Where(e => e.Tenant == tenant);
        if (before is { } id)
            query = query.Where(e => e.Id < id);
        if (action is not null)
            query = query.Where(e => e.Action == action);
        var items = await query.OrderByDescending(e => e.Id).Take(size).ToListAsync(cancellationToken);
        return TypedResults.Ok(new AuditPage(items, items.Count == size ? items[^1].Id : null));
    }
}

public sealed record AuditPage(IReadOnlyList<AuditEvent> Items, long? Next);
