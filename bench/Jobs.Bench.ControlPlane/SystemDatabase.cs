using Npgsql;

namespace Jobs.Bench.ControlPlane;

/// <summary>One look at the system's progress: jobs ended (succeeded, or ended otherwise), attempts holding a slot and waiting for one.</summary>
internal sealed record Progress(long Succeeded, long EndedOtherwise, long SlotsHeld, long Waiting)
{
    public long Ended => Succeeded + EndedOtherwise;
}

/// <summary>A measured job's timestamps, from the saga row and its placement (attempt 1).</summary>
internal sealed record JobTimes(
    Guid JobId,
    string Status,
    int Attempt,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? RequestedAt,
    DateTimeOffset? PlacedAt,
    DateTimeOffset? AssignedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ReleasedAt);

/// <summary>Rows a table had written (inserted, updated of which HOT, deleted), from pg_stat_user_tables.</summary>
internal sealed record TableWrites(string Table, long Inserted, long Updated, long HotUpdated, long Deleted)
{
    public long Total => Inserted + Updated + Deleted;
}

/// <summary>
/// The bench's reads of the system's database, on the system's connection string. Every query here is a transaction
/// PostgreSQL counts in <c>pg_stat_database</c>, so they are counted too (<see cref="Queries"/>) and taken off the
/// per-job figures.
/// </summary>
internal sealed class SystemDatabase(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    static readonly string[] Terminal = ["Succeeded", "Failed", "TimedOut", "Canceled", "Lost"];

    long queries;
    long progressTicks;

    public long Queries => Interlocked.Read(ref queries);

    /// <summary>The time the <see cref="Progress"/> polls took, as the bench saw it (query and round trip): what watching cost.</summary>
    public TimeSpan PollTime => TimeSpan.FromTicks(Interlocked.Read(ref progressTicks) * TimeSpan.TicksPerSecond / System.Diagnostics.Stopwatch.Frequency);

    /// <summary>
    /// Ended jobs (the count the brief of this bench names, <c>status = 'Succeeded'</c>, and the other terminal states in
    /// the same scan, so a failure cannot hang the run) and the Scheduler's slot use (two partial indexes).
    /// </summary>
    public async Task<Progress> Progress(CancellationToken cancellationToken)
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        await using var command = Command(ProgressQuery);
        command.Parameters.Add(new() { Value = Terminal });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var progress = new Progress(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        Interlocked.Add(ref progressTicks, System.Diagnostics.Stopwatch.GetTimestamp() - start);
        return progress;
    }

    /// <summary>PostgreSQL's own execution time (ms) of one <see cref="Progress"/> poll now: what a poll costs the server on the table as it is.</summary>
    public async Task<double> ProgressCostMs(CancellationToken cancellationToken)
    {
        await using var command = Command("EXPLAIN (ANALYZE, FORMAT JSON) " + ProgressQuery);
        command.Parameters.Add(new() { Value = Terminal });
        using var plan = System.Text.Json.JsonDocument.Parse((string)(await command.ExecuteScalarAsync(cancellationToken))!);
        return plan.RootElement[0].GetProperty("Execution Time").GetDouble();
    }

    const string ProgressQuery =
        """
        SELECT j.succeeded, j.other,
               (SELECT count(*) FROM scheduler.placements WHERE executor_id IS NOT NULL AND finished_at IS NULL),
               (SELECT count(*) FROM scheduler.placements WHERE executor_id IS NULL AND finished_at IS NULL)
        FROM (SELECT count(*) FILTER (WHERE status = 'Succeeded') AS succeeded,
                     count(*) FILTER (WHERE status = ANY($1) AND status <> 'Succeeded') AS other
              FROM jobapi.jobs) j
        """;

    /// <summary>How many of <paramref name="ids"/> the Scheduler counts as live executors of the pool.</summary>
    public async Task<long> LiveExecutors(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        await using var command = Command("SELECT count(*) FROM scheduler.executors WHERE id = ANY($1) AND pool = $2 AND lost_at IS NULL");
        command.Parameters.Add(new() { Value = ids.ToArray() });
        command.Parameters.Add(new() { Value = SimulatedExecutors.Pool });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The job's status, or null if there is no row yet.</summary>
    public async Task<string?> Status(Guid jobId, CancellationToken cancellationToken)
    {
        await using var command = Command("SELECT status FROM jobapi.jobs WHERE id = $1");
        command.Parameters.Add(new() { Value = jobId });
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }

    public static bool IsTerminal(string? status) => status is not null && Terminal.Contains(status);

    public async Task<IReadOnlyList<JobTimes>> Times(IReadOnlyCollection<Guid> jobIds, CancellationToken cancellationToken)
    {
        await using var command = Command(
            """
            SELECT j.id, j.status, j.attempt, j.submitted_at, p.requested_at, p.placed_at, j.assigned_at, j.started_at,
                   j.finished_at, j.updated_at, p.finished_at
            FROM jobapi.jobs j
            LEFT JOIN scheduler.placements p ON p.job_id = j.id AND p.attempt = 1
            WHERE j.id = ANY($1)
            """);
        command.Parameters.Add(new() { Value = jobIds.ToArray() });
        var rows = new List<JobTimes>(jobIds.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new JobTimes(
                reader.GetGuid(0),
                reader.GetString(1),
                reader.GetInt32(2),
                reader.GetFieldValue<DateTimeOffset>(3),
                Time(reader, 4),
                Time(reader, 5),
                Time(reader, 6),
                Time(reader, 7),
                Time(reader, 8),
                reader.GetFieldValue<DateTimeOffset>(9),
                Time(reader, 10)));
        }
        return rows;

        static DateTimeOffset? Time(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
    }

    /// <summary>Rows written so far, per table of the services' schemas.</summary>
    public async Task<IReadOnlyList<TableWrites>> TableWrites(CancellationToken cancellationToken)
    {
        await using var command = Command(
            """
            SELECT schemaname || '.' || relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del
            FROM pg_stat_user_tables WHERE schemaname IN ('jobapi', 'scheduler', 'logs') ORDER BY 1
            """);
        var rows = new List<TableWrites>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(new TableWrites(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
        return rows;
    }

    NpgsqlCommand Command(string sql)
    {
        Interlocked.Increment(ref queries);
        return dataSource.CreateCommand(sql);
    }

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
