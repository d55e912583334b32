using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace Jobs.ServiceDefaults.Security;

/// <summary>
/// One way in for people and machines: a JWT bearer token, or an API key in <c>X-Api-Key</c>. The gateway and JobApi
/// both validate tokens the same way; each brings its own API key handler (JobApi checks the key against its table).
/// A token must name a tenant and a known role, or it is refused.
/// </summary>
public static partial class JobsAuthentication
{
    public const string Scheme = "Jobs";
    public const string ApiKeyScheme = "ApiKey";
    public const string ApiKeyHeader = "X-Api-Key";
    public const int MaxSubjectLength = 200;

    public static AuthenticationBuilder AddJobsAuthentication<TApiKeyHandler>(this IHostApplicationBuilder builder)
        where TApiKeyHandler : ApiKeyAuthenticationHandler
    {
        var settings = builder.Configuration.GetSection(JwtSettings.Section).Get<JwtSettings>() ?? new JwtSettings();
        if (string.IsNullOrEmpty(settings.Authority) && string.IsNullOrEmpty(settings.SigningKey))
        {
            throw new InvalidOperationException(
                $"Set {JwtSettings.Section}:Authority (an OIDC issuer) or {JwtSettings.Section}:SigningKey (a shared key of at least {JwtSettings.MinKeyBytes} bytes for local use).");
        }

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(JobsPolicies.Read, p => p.RequireRole(JobsRoles.All))
            .AddPolicy(JobsPolicies.Operate, p => p.RequireRole(JobsRoles.Operator, JobsRoles.Admin))
            .AddPolicy(JobsPolicies.Admin, p => p.RequireRole(JobsRoles.Admin));

        return builder.Services
            .AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "JWT bearer or API key", options => options.ForwardDefaultSelector = context =>
                context.Request.Headers.ContainsKey(ApiKeyHeader) ? ApiKeyScheme : JwtBearerDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, TApiKeyHandler>(ApiKeyScheme, null)
            .AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                options.Audience = settings.Audience;
                if (!string.IsNullOrEmpty(settings.Authority))
                {
                    options.Authority = settings.Authority;
                    options.RequireHttpsMetadata = settings.RequireHttpsMetadata;
                }
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    // With an authority, the issuer comes from its discovery document (exactly as it writes it).
                    ValidIssuer = string.IsNullOrEmpty(settings.Authority) ? settings.Issuer : null,
                    ValidAudience = settings.Audience,
                    IssuerSigningKey = string.IsNullOrEmpty(settings.SigningKey) ? null : JwtSettings.KeyFrom(settings.SigningKey),
                    RequireExpirationTime = true,
                    ClockSkew = settings.ClockSkew,
                    NameClaimType = JobsClaims.Subject,
                    RoleClaimType = JobsClaims.Role,
                };
                options.Events = new JwtBearerEvents
                {
                    OnTokenValidated = context =>
                    {
                        if (Problem(context.Principal) is { } problem)
                            context.Fail(problem);
                        return Task.CompletedTask;
                    },
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        context.Response.Headers.WWWAuthenticate = "Bearer";
                        await WriteUnauthorized(context.HttpContext, context.AuthenticateFailure switch
                        {
                            null => "A bearer token (Authorization: Bearer ...) or an API key (X-Api-Key) is required.",
                            SecurityTokenExpiredException => "The token has expired.",
                            SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "The token's signature is not valid.",
                            SecurityTokenInvalidAudienceException => "The token is for another audience.",
                            SecurityTokenInvalidIssuerException => "The token is from another issuer.",
                            SecurityTokenException => "The token is not valid.",
                            var failure => failure.Message,
                        });
                    },
                };
            });
    }

    /// <summary>A 401 as problem+json, saying why the credentials were refused.</summary>
    public static Task WriteUnauthorized(HttpContext http, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail).ExecuteAsync(http);

    /// <summary>Why a validated principal still cannot act: no subject, no valid tenant, or no known role.</summary>
    public static string? Problem(ClaimsPrincipal? principal)
    {
        if (principal?.FindFirstValue(JobsClaims.Subject) is not { Length: > 0 and <= MaxSubjectLength } subject || subject.Any(char.IsControl))
            return $"The token's 'sub' claim is missing, longer than {MaxSubjectLength} characters or has control characters.";
        if (principal.FindFirstValue(JobsClaims.Tenant) is not { } tenant || !IsTenantName(tenant))
            return "The token's 'tenant' claim is missing or not 1 to 63 lowercase letters, digits or dashes.";
        if (!JobsRoles.IsKnown(principal.FindFirstValue(JobsClaims.Role)))
            return $"The token's 'role' claim must be one of: {string.Join(", ", JobsRoles.All)}.";
        return null;
    }

    public static bool IsTenantName(string tenant) => TenantName().IsMatch(tenant);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex TenantName();
}
