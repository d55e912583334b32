namespace Jobs.ServiceDefaults.Security;

/// <summary>
/// What a caller may do in its tenant. <c>admin</c>: everything, including API keys, the audit log and executors;
/// <c>operator</c>: submit, and cancel or retry its own jobs, read the tenant's jobs; <c>viewer</c>: read only.
/// </summary>
public static class JobsRoles
{
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string Viewer = "viewer";

    public static readonly IReadOnlyList<string> All = [Admin, Operator, Viewer];

    public static bool IsKnown(string? role) => role is Admin or Operator or Viewer;
}

/// <summary>The claims a Jobs credential carries, as they appear in a token.</summary>
public static class JobsClaims
{
    public const string Subject = "sub";
    public const string Tenant = "tenant";
    public const string Role = "role";
}

/// <summary>Authorization policies, by what the endpoint does.</summary>
public static class JobsPolicies
{
    /// <summary>Any role: read the tenant's jobs and logs.</summary>
    public const string Read = "jobs:read";

    /// <summary>Operator or admin: submit, cancel, retry.</summary>
    public const string Operate = "jobs:operate";

    /// <summary>Admin: keys, audit, executors.</summary>
    public const string Admin = "jobs:admin";
}
