using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jobs.ServiceDefaults.Security;

/// <summary>The <c>X-Api-Key</c> scheme; each service decides what makes a key good. A refused key is a 401 that says why.</summary>
public abstract class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        await JobsAuthentication.WriteUnauthorized(Context, result.Failure?.Message ?? "The API key is not valid.");
    }
}
