using Jobs.Contracts;
using Jobs.ServiceDefaults;
using Npgsql;
using NpgsqlTypes;

namespace Jobs.LogSink.Storage;

/// <summary>
/// Stores a batch of chunks in one transaction: binary COPY into a temporary table, then one insert that skips the
/// (job, attempt, seq) keys already stored, so redelivered chunks are dropped and nothing is half-written; then a
/// NOTIFY per job for live tails.
/// </summary>
public sealed class LogChunkWriter(NpgsqlDataSource dataSource)
{
    public async Task<int> Write(IReadOnlyCollection<JobLogChunk> chunks, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE incoming (LIKE logs.log_chunks INCLUDING DEFAULTS) ON COMMIT DROP", connection, transaction))
            await create.ExecuteNonQueryAsync(cancellationToken);

        await using (var import = await connection.BeginBinaryImportAsync(
            "COPY incoming (job_id, attempt, seq, stream, ts, data) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var chunk in chunks)
            {
                await import.StartRowAsync(cancellationToken);
                await import.WriteAsync(chunk.JobId, NpgsqlDbType.Uuid, cancellationToken);
                await import.WriteAsync(chunk.Attempt, NpgsqlDbType.Integer, cancellationToken);
                await import.WriteAsync(chunk.Seq, NpgsqlDbType.Integer, cancellationToken);
                await import.WriteAsync((short)chunk.Stream, NpgsqlDbType.Smallint, cancellationToken);
                await import.WriteAsync(chunk.Timestamp.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
                await import.WriteAsync(chunk.Data, NpgsqlDbType.Bytea, cancellationToken);
            }
            await import.CompleteAsync(cancellationToken);
        }

        int stored;
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO logs.log_chunks SELECT DISTINCT ON (job_id, attempt, seq) * FROM incoming ON CONFLICT DO NOTHING",
            connection, transaction))
            stored = await insert.ExecuteNonQueryAsync(cancellationToken);

        // Delivered by PostgreSQL at commit, never before: a live tail woken by it finds the rows.
        if (stored > 0)
        {
            await using var notify = new NpgsqlCommand(
                "SELECT pg_notify($1, job_id::text) FROM (SELECT DISTINCT job_id FROM incoming) AS jobs", connection, transaction);
            notify.Parameters.Add(new() { Value = LogNotifications.Channel });
            await notify.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return stored;
    }
}
