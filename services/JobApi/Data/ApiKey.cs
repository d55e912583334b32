namespace Jobs.JobApi.Data;

/// <summary>
/// A machine client's credential, bound to one tenant and role. Only the SHA-256 of its secret is kept; the secret is
/// shown once, when the key is made. A revoked key stays, so the audit log can still name it.
/// </summary>
public sealed class ApiKey
{
    public Guid Id { get; set; }
    public required string Tenant { get; set; }
    public required string Name { get; set; }
    public required string Role { get; set; }
    public required byte[] SecretHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}
