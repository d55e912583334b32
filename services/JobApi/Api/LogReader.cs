using System.Text;
using Npgsql;

namespace Jobs.JobApi.Api;

/// <summary>Reads stored output from the LogSink's <c>logs</c> schema, which JobApi only ever reads.</summary>
public sealed class LogReader(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<LogChunkResponse>> Read(Guid jobId, int offset, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT attempt, seq, stream, ts, data FROM logs.log_chunks
            WHERE job_id = $1 ORDER BY attempt, seq OFFSET $2 LIMIT $3
            """);
        command.Parameters.Add(new() { Value = jobId });
        command.Parameters.Add(new() { Value = (long)offset });
        command.Parameters.Add(new() { Value = (long)limit });

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
                    Encoding.UTF8.GetString(reader.GetFieldValue<byte[]>(4))));
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // LogSink has not created its schema yet, so nothing has been stored.
        }
        return chunks;
    }
}
