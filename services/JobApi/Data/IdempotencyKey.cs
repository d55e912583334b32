namespace Jobs.JobApi.Data;

/// <summary>A client's <c>Idempotency-Key</c>, the hash of the request it came with, and the job it created.</summary>
public sealed class IdempotencyKey
{
    public required string Tenant { get; set; }
    public required string Key { get; set; }
    public required byte[] RequestHash { get; set; }
    public Guid JobId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
