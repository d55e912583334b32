using Npgsql;

namespace Jobs.Bench.Logs;

/// <summary>What both variants write to: <c>logs.log_chunks</c> of the bench's own database, as the LogSink migrated it.</summary>
internal sealed class LogStore(NpgsqlDataSource dataSource)
{
    /// <summary>Rows, their data bytes and what the table takes on disk (TOAST included, so compression shows).</summary>
    internal sealed record Totals(int Rows, long DataBytes, long StoredBytes);

    /// <summary>Committed rows; the poll of variant A.</summary>
    public async Task<int> Count(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*)::int FROM logs.log_chunks");
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// An empty table and a checkpoint, so every run starts alike: no rows or index pages left by the one before, and
    /// no checkpoint of the previous run's WAL due in the middle of this one.
    /// </summary>
    public async Task Reset(CancellationToken cancellationToken)
    {
        await using (var truncate = dataSource.CreateCommand("TRUNCATE logs.log_chunks"))
            await truncate.ExecuteNonQueryAsync(cancellationToken);
        try
        {
            await using var checkpoint = dataSource.CreateCommand("CHECKPOINT");
            await checkpoint.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            // Needs superuser or pg_checkpoint; without it runs are a little noisier, nothing more.
        }
    }

    public async Task<Totals> Measure(CancellationToken cancellationToken)
    {
        // octet_length of a TOASTed value reads its pointer only, never the data.
        await using var command = dataSource.CreateCommand(
            "SELECT count(*)::int, coalesce(sum(octet_length(data)), 0)::bigint, pg_total_relation_size('logs.log_chunks') FROM logs.log_chunks");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new Totals(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>
    /// Rows per writing transaction, read from the rows' <c>xmin</c>: each LogSink batch is one transaction, so this is
    /// the batch shape the sink really had (and for the raw COPY, rows per COPY).
    /// </summary>
    public async Task<List<int>> RowsPerTransaction(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*)::int FROM logs.log_chunks GROUP BY xmin::text");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var sizes = new List<int>();
        while (await reader.ReadAsync(cancellationToken))
            sizes.Add(reader.GetInt32(0));
        return sizes;
    }

    public async Task<string> ServerVersion(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SHOW server_version");
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
