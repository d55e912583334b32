using System.Diagnostics;
using Jobs.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace Jobs.Bench.Logs;

/// <summary>
/// Variant B, the bound: the same rows straight into <c>logs.log_chunks</c> by binary COPY on one open connection, in
/// batches of the LogSink's largest size, each COPY its own transaction. No broker, no temporary table, no conflict check.
/// </summary>
internal static class RawCopy
{
    const string Copy = "COPY logs.log_chunks (job_id, attempt, seq, stream, ts, data) FROM STDIN (FORMAT BINARY)";

    /// <summary>Seconds from the first COPY's start until the last one has committed.</summary>
    public static async Task<double> Run(NpgsqlDataSource dataSource, IReadOnlyList<JobLogChunk> rows, int batchRows, CancellationToken cancellationToken)
    {
        // Opened before the clock starts, as the LogSink's pooled connections are.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var begin = Stopwatch.GetTimestamp();
        for (var offset = 0; offset < rows.Count; offset += batchRows)
        {
            await using var import = await connection.BeginBinaryImportAsync(Copy, cancellationToken);
            var end = Math.Min(rows.Count, offset + batchRows);
            for (var i = offset; i < end; i++)
            {
                var row = rows[i];
                await import.StartRowAsync(cancellationToken);
                await import.WriteAsync(row.JobId, NpgsqlDbType.Uuid, cancellationToken);
                await import.WriteAsync(row.Attempt, NpgsqlDbType.Integer, cancellationToken);
                await import.WriteAsync(row.Seq, NpgsqlDbType.Integer, cancellationToken);
                await import.WriteAsync((short)row.Stream, NpgsqlDbType.Smallint, cancellationToken);
                await import.WriteAsync(row.Timestamp, NpgsqlDbType.TimestampTz, cancellationToken);
                await import.WriteAsync(row.Data, NpgsqlDbType.Bytea, cancellationToken);
            }
            await import.CompleteAsync(cancellationToken);
        }
        return Stopwatch.GetElapsedTime(begin).TotalSeconds;
    }
}
