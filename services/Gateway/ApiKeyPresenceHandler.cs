using System.Security.Claims;
using System.Text.Encodings.Web;
using Jobs.ServiceDefaults.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Jobs.Gateway;

/// <summary>
/// The gateway has no key table: it lets a well-formed <c>X-Api-Key</c> through as <c>apikey:&lt;id&gt;</c> (enough to
/// count its requests) and JobApi, which holds the keys, accepts or refuses it. A malformed key is refused here.
/// </summary>
public sealed class ApiKeyPresenceHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : ApiKeyAuthenticationHandler(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(JobsAuthentication.ApiKeyHeader, out var values))
            return Task.FromResult(AuthenticateResult.NoResult());
        if (!ApiKeyText.TryParse(values.ToString(), out var id, out _))
            return Task.FromResult(AuthenticateResult.Fail("The API key is not in the form jobs_<id>_<secret>."));
        var identity = new ClaimsIdentity([new Claim(JobsClaims.Subject, $"apikey:{id:N}")], Scheme.Name, JobsClaims.Subject, JobsClaims.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }
}
