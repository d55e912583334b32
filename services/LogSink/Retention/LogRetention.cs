using Microsoft.Extensions.Options;
using Npgsql;

namespace Jobs.LogSink.Retention;

/// <summary>
/// Deletes the output of jobs that ended longer ago than the retention, a few thousand rows per statement (each its own
/// short transaction), so writers and readers never wait long behind it.
/// </summary>
public sealed class LogRetention(NpgsqlDataSource dataSource, IOptions<RetentionOptions> options)
{
    /// <summary>Records when a job ended; a repeat keeps the first time.</summary>
    public async Task RecordEnded(Guid jobId, DateTimeOffset endedAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO logs.ended_jobs (job_id, ended_at) VALUES ($1, $2) ON CONFLICT (job_id) DO NOTHING");
        command.Parameters.Add(new() { Value = jobId });
        command.Parameters.Add(new() { Value = endedAt.ToUniversalTime() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>One sweep: returns the chunks deleted.</summary>
    public async Task<long> Sweep(CancellationToken cancellationToken)
    {
        if (options.Value.Retention is not { } retention)
            return 0;
        long deleted = 0;
        int batch;
        do
        {
            await using var command = dataSource.CreateCommand(
                """
                DELETE FROM logs.log_chunks WHERE ctid = ANY (ARRAY(
                    SELECT c.ctid FROM logs.ended_jobs e JOIN logs.log_chunks c ON c.job_id = e.job_id
                    WHERE e.ended_at < now() - $1 LIMIT $2))
                """);
            command.Parameters.Add(new() { Value = retention });
            command.Parameters.Add(new() { Value = options.Value.BatchSize });
            batch = await command.ExecuteNonQueryAsync(cancellationToken);
            deleted += batch;
        }
        while (batch > 0);

        // The record of an ended job outlives its output by one more retention, for chunks that arrive late.
        await using (var forget = dataSource.CreateCommand("DELETE FROM logs.ended_jobs WHERE ended_at < now() - 2 * $1"))
        {
            forget.Parameters.Add(new() { Value = retention });
            await forget.ExecuteNonQueryAsync(cancellationToken);
        }
        return deleted;
    }
}
