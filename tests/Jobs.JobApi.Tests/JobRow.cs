using Npgsql;

namespace Jobs.JobApi.Tests;

/// <summary>A row of <c>jobapi.jobs</c> read with plain SQL, so the tests see the columns, not the EF model.</summary>
sealed record JobRow(
    string Status,
    int Attempt,
    string Command,
    string[] Args,
    bool Shell,
    string Pool,
    DateTimeOffset SubmittedAt,
    string? ExecutorId,
    DateTimeOffset? AssignedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int? ExitCode,
    string? Error,
    int? LogChunks)
{
    public static async Task<JobRow?> Read(NpgsqlDataSource sql, Guid jobId)
    {
        await using var command = sql.CreateCommand("""
            SELECT status, attempt, spec->>'command', ARRAY(SELECT jsonb_array_elements_text(spec->'args')), (spec->>'shell')::boolean,
                   spec->>'pool', submitted_at, executor_id, assigned_at, started_at, finished_at, exit_code, error, log_chunks
            FROM jobapi.jobs WHERE id = $1
            """);
        command.Parameters.AddWithValue(jobId);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
            return null;
        return new JobRow(
            reader.GetString(0),
            reader.GetInt32(1),
            reader.GetString(2),
            reader.GetFieldValue<string[]>(3),
            reader.GetBoolean(4),
            reader.GetString(5),
            reader.GetFieldValue<DateTimeOffset>(6),
            Text(reader, 7),
            Value<DateTimeOffset>(reader, 8),
            Value<DateTimeOffset>(reader, 9),
            Value<DateTimeOffset>(reader, 10),
            Value<int>(reader, 11),
            Text(reader, 12),
            Value<int>(reader, 13));
    }

    public static async Task<long> Count(NpgsqlDataSource sql, Guid jobId)
    {
        await using var command = sql.CreateCommand("SELECT count(*) FROM jobapi.jobs WHERE id = $1");
        command.Parameters.AddWithValue(jobId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>PostgreSQL keeps microseconds; .NET times carry a tenth of one.</summary>
    public static DateTimeOffset Microseconds(DateTimeOffset value) => new(value.UtcTicks - value.UtcTicks % 10, TimeSpan.Zero);

    static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    static T? Value<T>(NpgsqlDataReader reader, int ordinal)
        where T : struct => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
}
