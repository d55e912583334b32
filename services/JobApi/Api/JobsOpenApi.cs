using Jobs.ServiceDefaults.Security;
using Microsoft.OpenApi;

namespace Jobs.JobApi.Api;

/// <summary>
/// The public API's OpenAPI document at <c>/openapi/v1.json</c> (the gateway serves it, with an interactive page at
/// <c>/docs</c>): every <c>/api</c> endpoint, and the two ways to authenticate.
/// </summary>
public static class JobsOpenApi
{
    public const string Route = "/openapi/{documentName}.json";
    const string Bearer = "bearer";
    const string ApiKey = "apiKey";

    public static IServiceCollection AddJobsOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Jobs",
                Version = "v1",
                Description = "Submit commands to run on executor hosts, follow them, read their output. Every request needs a bearer token or an API key.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                [Bearer] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT", Description = "A JWT with sub, tenant and role claims." },
                [ApiKey] = new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = JobsAuthentication.ApiKeyHeader, Description = "An API key made by an admin (POST /api/keys)." },
            };
            document.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKey, document)] = [] },
            ];
            return Task.CompletedTask;
        });
    });
}
