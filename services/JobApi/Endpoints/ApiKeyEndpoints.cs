using System.Text.Json;
using Jobs.JobApi.Api;
using Jobs.JobApi.Data;
using Jobs.JobApi.Security;
using Jobs.ServiceDefaults.Security;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Jobs.JobApi.Endpoints;

/// <summary>API keys for machine clients: admins make them (the secret is shown once), list and revoke them, in their own tenant.</summary>
public static class ApiKeyEndpoints
{
    public const int MaxNameLength = 128;

    public static IEndpointRouteBuilder MapApiKeyEndpoints(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/keys").WithTags("API keys").RequireAuthorization(JobsPolicies.Admin);
        keys.MapPost("/", Create);
        keys.MapGet("/", List);
        keys.MapDelete("/{id:guid}", Revoke);
        return app;
    }

    static async Task<Results<Created<ApiKeyCreatedResponse>, ProblemHttpResult, ValidationProblem>> Create(
        HttpContext http, IDbContextFactory<JobApiDbContext> dbFactory, AuditLog audit, CancellationToken cancellationToken)
    {
        var caller = Caller.Of(http);
        var (document, problem) = await JsonBody.Read(http.Request, cancellationToken);
        if (problem is not null)
            return problem;

        string? name = null, role = null;
        var errors = new Dictionary<string, string[]>();
        using (document)
        {
            var body = document!.RootElement;
            if (body.ValueKind != JsonValueKind.Object)
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["$"] = ["The body must be a JSON object."] });
            foreach (var property in body.EnumerateObject().Where(p => p.Name is not ("name" or "role")))
                errors[property.Name] = ["Unknown field. Known fields: name, role."];
            if (!body.TryGetProperty("name", out var nameValue) || nameValue.ValueKind != JsonValueKind.String
                || nameValue.GetString() is not { Length: > 0 and <= MaxNameLength } given || given.Any(char.IsControl))
                errors["name"] = [$"Required: 1 to {MaxNameLength} characters without control characters."];
            else
                name = given;
            if (!body.TryGetProperty("role", out var roleValue) || roleValue.ValueKind != JsonValueKind.String || !JobsRoles.IsKnown(roleValue.GetString()))
                errors["role"] = [$"Required: one of {string.Join(", ", JobsRoles.All)}."];
            else
                role = roleValue.GetString();
        }
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors, title: "The key is not valid.");

        var id = NewId.NextSequentialGuid();
        var (text, hash) = ApiKeyText.Create(id);
        var key = new ApiKey
        {
            Id = id,
            Tenant = caller.Tenant,
            Name = name!,
            Role = role!,
            SecretHash = hash,
            CreatedAt = DateTimeOffset.UtcNow,
            CreatedBy = caller.Subject,
        };
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            db.ApiKeys.Add(key);
            await db.SaveChangesAsync(cancellationToken);
        }
        await audit.Record(caller, AuditActions.KeyCreate, $"apikey/{id:N}", detail: $"{role} key '{name}'", cancellationToken: cancellationToken);
        return TypedResults.Created($"/api/keys/{id}", new ApiKeyCreatedResponse(ApiKeyResponse.From(key), text));
    }

    static async Task<Ok<ApiKeyListResponse>> List(HttpContext http, IDbContextFactory<JobApiDbContext> dbFactory, CancellationToken cancellationToken)
    {
        var tenant = Caller.Of(http).Tenant;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.Tenant == tenant).OrderBy(k => k.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(new ApiKeyListResponse([.. keys.Select(ApiKeyResponse.From)]));
    }

    /// <summary>Revokes at once (every request reads the key); revoking a revoked key changes nothing and answers the same.</summary>
    static async Task<Results<NoContent, ProblemHttpResult>> Revoke(
        Guid id, HttpContext http, IDbContextFactory<JobApiDbContext> dbFactory, AuditLog audit, CancellationToken cancellationToken)
    {
        var caller = Caller.Of(http);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == id && k.Tenant == caller.Tenant, cancellationToken);
        if (key is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "API key not found", detail: $"There is no API key {id}.");
        if (key.RevokedAt is null)
        {
            key.RevokedAt = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync(cancellationToken);
            await audit.Record(caller, AuditActions.KeyRevoke, $"apikey/{id:N}", detail: $"{key.Role} key '{key.Name}'", cancellationToken: cancellationToken);
        }
        return TypedResults.NoContent();
    }
}

/// <summary>An API key without its secret.</summary>
public sealed record ApiKeyResponse(Guid Id, string Name, string Role, string Tenant, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? RevokedAt)
{
    public static ApiKeyResponse From(ApiKey key) => new(key.Id, key.Name, key.Role, key.Tenant, key.CreatedAt, key.CreatedBy, key.RevokedAt);
}

/// <summary>A new key and, this once, its full text for <c>X-Api-Key</c>.</summary>
public sealed record ApiKeyCreatedResponse(ApiKeyResponse Key, string Secret);

public sealed record ApiKeyListResponse(IReadOnlyList<ApiKeyResponse> Items);
