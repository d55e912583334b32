using System.Security.Claims;
using System.Text.Encodings.Web;
using Jobs.JobApi.Data;
using Jobs.ServiceDefaults.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Jobs.JobApi.Security;

/// <summary>
/// <c>X-Api-Key</c>: the key's row must exist, not be revoked, and hold the SHA-256 of the key's secret. The caller
/// is then <c>apikey:&lt;id&gt;</c> in the key's tenant with the key's role. Read on every request, so a revoke takes
/// effect at once.
/// </summary>
public sealed class ApiKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IDbContextFactory<JobApiDbContext> dbFactory)
    : ApiKeyAuthenticationHandler(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(JobsAuthentication.ApiKeyHeader, out var values))
            return AuthenticateResult.NoResult();
        if (!ApiKeyText.TryParse(values.ToString(), out var id, out var secret))
            return AuthenticateResult.Fail("The API key is not in the form jobs_<id>_<secret>.");

        await using var db = await dbFactory.CreateDbContextAsync(Context.RequestAborted);
        var key = await db.ApiKeys.AsNoTracking().SingleOrDefaultAsync(k => k.Id == id, Context.RequestAborted);
        if (key is null || !ApiKeyText.Matches(secret, key.SecretHash))
            return AuthenticateResult.Fail("Unknown API key.");
        if (key.RevokedAt is not null)
            return AuthenticateResult.Fail("The API key has been revoked.");

        var identity = new ClaimsIdentity(
            [
                new Claim(JobsClaims.Subject, Caller.ApiKeySubject(key.Id)),
                new Claim(JobsClaims.Tenant, key.Tenant),
                new Claim(JobsClaims.Role, key.Role),
            ],
            Scheme.Name, JobsClaims.Subject, JobsClaims.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }
}
