namespace Jobs.JobApi.Data;

/// <summary>One thing someone did, or tried to do and was refused: who, in which tenant, what, to what, and how it went.</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Tenant { get; set; }
    public required string Actor { get; set; }
    public required string Role { get; set; }
    public required string Action { get; set; }
    public required string Target { get; set; }

    /// <summary><c>ok</c>, or <c>denied</c> with the rule in <see cref="Detail"/>.</summary>
    public required string Outcome { get; set; }

    public string? Detail { get; set; }
}
