using System.Data;
using System.Text;
using Npgsql;

namespace Jobs.JobApi.Api;

/// <summary>
/// Reads stored output from the LogSink's <c>logs</c> schema, which JobApi only ever reads: pages by offset, pages after
/// a position (live streams), the raw bytes, and how many chunks of each attempt are stored.
/// </summary>
public sealed class LogReader(NpgsqlDataSource dataSource)
{
    public Task<IReadOnlyList<LogChunkResponse>> Read(Guid jobId, LogFilter filter, int offset, int limit, CancellationToken cancellationToken) =>
        Query(
            $"SELECT attempt, seq, stream, ts, data FROM logs.log_chunks WHERE {LogFilter.Condition} ORDER BY attempt, seq OFFSET $4 LIMIT $5",
            jobId, filter, [(long)offset, (long)limit], cancellationToken);

    /// <summary>Up to <paramref name="limit"/> chunks after the position (attempt, seq), in order.</summary>
    public Task<IReadOnlyList<LogChunkResponse>> ReadAfter(Guid jobId, LogFilter filter, LogPosition after, int limit, CancellationToken cancellationToken) =>
        Query(
            $"SELECT attempt, seq, stream, ts, data FROM logs.log_chunks WHERE {LogFilter.Condition} AND (attempt, seq) > ($4, $5) ORDER BY attempt, seq LIMIT $6",
            jobId, filter, [after.Attempt, after.Seq, (long)limit], cancellationToken);

    /// <summary>Writes the output's bytes, exactly as stored, to <paramref name="destination"/> one chunk at a time.</summary>
    public async Task CopyRaw(Guid jobId, LogFilter filter, Stream destination, CancellationToken cancellationToken)
    {
        await using var command = Command($"SELECT data FROM logs.log_chunks WHERE {LogFilter.Condition} ORDER BY attempt, seq", jobId, filter, []);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                await using var data = await reader.GetStreamAsync(0, cancellationToken);
                await data.CopyToAsync(destination, cancellationToken);
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // LogSink has not created its schema yet, so nothing has been stored.
        }
    }

    /// <summary>How many chunks of each attempt are stored (whatever the stream).</summary>
    public async Task<IReadOnlyDictionary<int, long>> StoredPerAttempt(Guid jobId, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<int, long>();
        await using var command = dataSource.CreateCommand("SELECT attempt, count(*) FROM logs.log_chunks WHERE job_id = $1 GROUP BY attempt");
        command.Parameters.Add(new() { Value = jobId });
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                counts[reader.GetInt32(0)] = reader.GetInt64(1);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
        }
        return counts;
    }

    async Task<IReadOnlyList<LogChunkResponse>> Query(string sql, Guid jobId, LogFilter filter, object[] extra, CancellationToken cancellationToken)
    {
        await using var command = Command(sql, jobId, filter, extra);
        var chunks = new List<LogChunkResponse>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                chunks.Add(new LogChunkResponse(
                    reader.GetInt32(0),
                    reader.GetInt32(1),
                    reader.GetInt16(2) == 2 ? "stderr" : "stdout",
                    reader.GetFieldValue<DateTimeOffset>(3),
                    // Invalid UTF-8 (binary output, or a character cut between chunks) shows as U+FFFD; the raw download is exact.
                    Encoding.UTF8.GetString(reader.GetFieldValue<byte[]>(4))));
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // LogSink has not created its schema yet, so nothing has been stored.
        }
        return chunks;
    }

    NpgsqlCommand Command(string sql, Guid jobId, LogFilter filter, object[] extra)
    {
        var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new() { Value = jobId });
        command.Parameters.Add(new() { Value = filter.AttemptValue, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = filter.StreamValue, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Smallint });
        foreach (var value in extra)
            command.Parameters.Add(new() { Value = value });
        return command;
    }
}
