using System.Security.Claims;
using Jobs.ServiceDefaults.Security;

namespace Jobs.JobApi.Security;

/// <summary>Who is asking: a tenant, a subject (a token's <c>sub</c> or <c>apikey:&lt;id&gt;</c>) and a role.</summary>
public sealed record Caller(string Tenant, string Subject, string Role)
{
    public bool IsAdmin => Role == JobsRoles.Admin;

    /// <summary>Admins act on any job of their tenant; operators only on their own.</summary>
    public bool MayChange(string owner) => IsAdmin || (Role == JobsRoles.Operator && owner == Subject);

    public static string ApiKeySubject(Guid keyId) => $"apikey:{keyId:N}";

    /// <summary>The caller of an authorized request (every endpoint that uses it requires an authenticated, valid principal).</summary>
    public static Caller Of(HttpContext http) => From(http.User)
        ?? throw new InvalidOperationException("The endpoint reads the caller but does not require authorization.");

    public static Caller? From(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && JobsAuthentication.Problem(user) is null
            ? new Caller(user.FindFirstValue(JobsClaims.Tenant)!, user.FindFirstValue(JobsClaims.Subject)!, user.FindFirstValue(JobsClaims.Role)!)
            : null;
}
