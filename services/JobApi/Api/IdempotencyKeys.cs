using System.Security.Cryptography;
using System.Text.Json;
using Jobs.Contracts;
using Npgsql;

namespace Jobs.JobApi.Api;

/// <summary>
/// Binds an <c>Idempotency-Key</c> to the first job submitted with it. The claim is one insert, so concurrent
/// duplicates agree on one job id; each then sends the submit for that id, which the saga creates once. Keys are
/// per tenant: another tenant's key of the same text is another key.
/// </summary>
public sealed class IdempotencyKeys(NpgsqlDataSource dataSource)
{
    public const string Header = "Idempotency-Key";
    public const int MaxLength = 255;

    /// <summary>The job bound to the key (<paramref name="jobId"/> if this call bound it), and whether the request matches the first one.</summary>
    public async Task<(Guid JobId, bool Replayed, bool SameRequest)> Claim(string tenant, string key, JobSpec spec, Guid jobId, CancellationToken cancellationToken)
    {
        var hash = SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(spec));
        await using (var claim = dataSource.CreateCommand(
            "INSERT INTO jobapi.idempotency_keys (tenant, key, request_hash, job_id, created_at) VALUES ($1, $2, $3, $4, now()) ON CONFLICT (tenant, key) DO NOTHING"))
        {
            claim.Parameters.Add(new() { Value = tenant });
            claim.Parameters.Add(new() { Value = key });
            claim.Parameters.Add(new() { Value = hash });
            claim.Parameters.Add(new() { Value = jobId });
            if (await claim.ExecuteNonQueryAsync(cancellationToken) == 1)
                return (jobId, false, true);
        }

        // Someone else holds the key. A statement of its own sees their row: the insert above waited for it to commit.
        await using var read = dataSource.CreateCommand("SELECT job_id, request_hash FROM jobapi.idempotency_keys WHERE tenant = $1 AND key = $2");
        read.Parameters.Add(new() { Value = tenant });
        read.Parameters.Add(new() { Value = key });
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            throw new InvalidOperationException($"Idempotency key '{key}' was claimed but cannot be read.");
        return (reader.GetGuid(0), true, reader.GetFieldValue<byte[]>(1).AsSpan().SequenceEqual(hash));
    }

    public static string? Validate(string key) =>
        key.Length is 0 or > MaxLength || key.Any(c => c < 0x21 || c > 0x7E)
            ? $"Must be 1 to {MaxLength} printable ASCII characters without spaces."
            : null;
}
