using System.Text.Json;
using Jobs.Contracts;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Jobs.Scheduler.Placement;

/// <summary>The executor registry and placements in PostgreSQL. Every write is idempotent, so redelivered messages are harmless.</summary>
public sealed class PlacementStore(NpgsqlDataSource dataSource, IOptions<SchedulerOptions> options)
{
    /// <summary>Any constant shared by all Scheduler instances: only the holder of this lock places, so no slot is given twice.</summary>
    const long PlacementLockKey = 0x4A6F627350_6C6163;

    public async Task RecordHeartbeat(ExecutorHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO scheduler.executors (id, pool, labels, slots, host, shutting_down, registered_at, last_heartbeat_at)
            VALUES ($1, $2, $3, $4, $5, $6, now(), now())
            ON CONFLICT (id) DO UPDATE SET pool = excluded.pool, labels = excluded.labels, slots = excluded.slots,
                host = excluded.host, shutting_down = excluded.shutting_down, last_heartbeat_at = now(), lost_at = NULL
            """);
        command.Parameters.Add(new() { Value = heartbeat.ExecutorId });
        command.Parameters.Add(new() { Value = heartbeat.Pool });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(heartbeat.Labels), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new() { Value = heartbeat.Slots });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(heartbeat.Host), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new() { Value = heartbeat.Draining });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Drains the executor (nothing more is placed on it) or resumes it; false if it never registered.</summary>
    public async Task<bool> SetDrained(string executorId, bool drain, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE scheduler.executors SET drained_at = CASE WHEN $2 THEN coalesce(drained_at, now()) END
            WHERE id = $1
            """);
        command.Parameters.Add(new() { Value = executorId });
        command.Parameters.Add(new() { Value = drain });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Every registered executor with the slots its unfinished placements use.</summary>
    public async Task<IReadOnlyList<ExecutorSummary>> Executors(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT e.id, e.pool, e.labels::text, e.slots, count(p.job_id)::int, e.shutting_down OR e.drained_at IS NOT NULL,
                e.last_heartbeat_at, e.lost_at, e.host::text
            FROM scheduler.executors e
            LEFT JOIN scheduler.placements p ON p.executor_id = e.id AND p.finished_at IS NULL
            GROUP BY e.id
            ORDER BY e.id
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var executors = new List<ExecutorSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            executors.Add(new ExecutorSummary(
                reader.GetString(0),
                reader.GetString(1),
                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(2)) ?? [],
                reader.GetInt32(3),
                reader.GetInt32(4),
                reader.GetBoolean(5),
                reader.GetFieldValue<DateTimeOffset>(6),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                JsonSerializer.Deserialize<HostFacts>(reader.GetString(8))!));
        }
        return executors;
    }

    /// <summary>
    /// Of the attempts an executor says it runs, those it should not: not placed on it, or given up already (finished,
    /// lost, their job ended). An executor that comes back after being declared lost is told to stop them.
    /// </summary>
    public async Task<IReadOnlyList<RunningAttempt>> NotAssigned(string executorId, IReadOnlyList<RunningAttempt> running, CancellationToken cancellationToken)
    {
        if (running.Count == 0)
            return [];
        await using var command = dataSource.CreateCommand(
            """
            SELECT r.job_id, r.attempt FROM unnest($2::uuid[], $3::int[]) AS r(job_id, attempt)
            WHERE NOT EXISTS (
                SELECT FROM scheduler.placements p
                WHERE p.job_id = r.job_id AND p.attempt = r.attempt AND p.executor_id = $1 AND p.finished_at IS NULL)
            """);
        command.Parameters.Add(new() { Value = executorId });
        command.Parameters.Add(new() { Value = running.Select(r => r.JobId).ToArray() });
        command.Parameters.Add(new() { Value = running.Select(r => r.Attempt).ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var stale = new List<RunningAttempt>();
        while (await reader.ReadAsync(cancellationToken))
            stale.Add(new RunningAttempt(reader.GetGuid(0), reader.GetInt32(1)));
        return stale;
    }

    /// <summary>Whether the database answers now (where heartbeats are recorded); throws if it does not.</summary>
    public async Task Ping(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>
    /// Declares executors silent for longer than the timeout lost and gives up their unfinished attempts, in one
    /// transaction under the placement lock; returns the losses not yet announced (these and any left from before).
    /// </summary>
    public async Task<IReadOnlyList<AttemptLost>> DeclareLost(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await TryLock(connection, transaction, cancellationToken))
            return [];

        await using (var command = new NpgsqlCommand(
            """
            WITH lost AS (
                UPDATE scheduler.executors SET lost_at = now()
                WHERE lost_at IS NULL AND last_heartbeat_at < now() - $1 RETURNING id)
            UPDATE scheduler.placements SET finished_at = now(), lost_at = now()
            WHERE executor_id IN (SELECT id FROM lost) AND finished_at IS NULL
            """, connection, transaction))
        {
            command.Parameters.Add(new() { Value = options.Value.ExecutorTimeout });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var losses = new List<AttemptLost>();
        await using (var command = new NpgsqlCommand(
            "SELECT job_id, attempt, executor_id, lost_at FROM scheduler.placements WHERE lost_at IS NOT NULL AND NOT loss_announced",
            connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                losses.Add(new AttemptLost(reader.GetGuid(0), reader.GetInt32(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }

        await transaction.CommitAsync(cancellationToken);
        return losses;
    }

    /// <summary>Marks losses as told to their sagas, so they are not announced again.</summary>
    public async Task LossesAnnounced(IReadOnlyList<AttemptLost> losses, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE scheduler.placements p SET loss_announced = true
            FROM unnest($1::uuid[], $2::int[]) AS u(job_id, attempt)
            WHERE p.job_id = u.job_id AND p.attempt = u.attempt
            """);
        command.Parameters.Add(new() { Value = losses.Select(l => l.JobId).ToArray() });
        command.Parameters.Add(new() { Value = losses.Select(l => l.Attempt).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Waiting attempts no registered, not-lost executor could ever take (no executor in the pool, an unknown target,
    /// labels nobody carries), each reported once; they keep waiting, since a matching executor may still register.
    /// </summary>
    public async Task<IReadOnlyList<PlacementDelayed>> Unmatched(CancellationToken cancellationToken)
    {
        var executors = new List<ExecutorCapacity>();
        await using (var command = dataSource.CreateCommand("SELECT id, pool, labels::text FROM scheduler.executors WHERE lost_at IS NULL"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                executors.Add(new ExecutorCapacity(reader.GetString(0), reader.GetString(1),
                    JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(2)) ?? []));
            }
        }

        var delayed = new List<PlacementDelayed>();
        await using (var command = dataSource.CreateCommand(
            """
            SELECT job_id, attempt, pool, target_executor_id, executor_labels::text FROM scheduler.placements
            WHERE executor_id IS NULL AND finished_at IS NULL AND NOT delay_reported AND (not_before IS NULL OR not_before <= now())
            ORDER BY requested_at LIMIT $1
            """))
        {
            command.Parameters.Add(new() { Value = options.Value.PlacementBatch });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var pool = reader.GetString(2);
                var target = reader.IsDBNull(3) ? null : reader.GetString(3);
                var labels = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(4)) ?? [];
                var reason = WhyUnmatched(executors, pool, target, labels);
                if (reason is not null)
                    delayed.Add(new PlacementDelayed(reader.GetGuid(0), reader.GetInt32(1), reason));
            }
        }

        if (delayed.Count > 0)
        {
            await using var mark = dataSource.CreateCommand(
                """
                UPDATE scheduler.placements p SET delay_reported = true
                FROM unnest($1::uuid[], $2::int[]) AS u(job_id, attempt)
                WHERE p.job_id = u.job_id AND p.attempt = u.attempt
                """);
            mark.Parameters.Add(new() { Value = delayed.Select(d => d.JobId).ToArray() });
            mark.Parameters.Add(new() { Value = delayed.Select(d => d.Attempt).ToArray() });
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        return delayed;
    }

    static string? WhyUnmatched(List<ExecutorCapacity> executors, string pool, string? target, Dictionary<string, string> labels)
    {
        if (target is not null)
        {
            var executor = executors.Find(e => e.Id == target);
            return executor is null ? $"No executor '{target}' is registered." : executor.Carries(labels) ? null : $"Executor '{target}' does not carry the required labels.";
        }
        var inPool = executors.Where(e => e.Pool == pool).ToList();
        if (inPool.Count == 0)
            return $"No executor is registered in pool '{pool}'.";
        return inPool.Any(e => e.Carries(labels))
            ? null
            : $"No executor in pool '{pool}' carries {string.Join(", ", labels.Select(l => $"{l.Key}={l.Value}"))}.";
    }

    /// <summary>Queues the attempt for placement; if it was already placed (a redelivery), returns where.</summary>
    public async Task<string?> Request(PlaceJob request, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH inserted AS (
                INSERT INTO scheduler.placements (job_id, attempt, pool, requested_at, not_before, target_executor_id, executor_labels, priority, trace_parent)
                SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE NOT EXISTS (SELECT FROM scheduler.ended_jobs WHERE job_id = $1)
                ON CONFLICT (job_id, attempt) DO NOTHING RETURNING executor_id)
            SELECT executor_id FROM inserted
            UNION ALL
            SELECT executor_id FROM scheduler.placements
            WHERE job_id = $1 AND attempt = $2 AND finished_at IS NULL AND NOT EXISTS (SELECT FROM inserted)
            """);
        command.Parameters.Add(new() { Value = request.JobId });
        command.Parameters.Add(new() { Value = request.Attempt });
        command.Parameters.Add(new() { Value = request.Pool });
        command.Parameters.Add(new() { Value = request.RequestedAt.ToUniversalTime() });
        command.Parameters.Add(new() { Value = (object?)request.NotBefore?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = (object?)request.ExecutorId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(request.ExecutorLabels ?? new Dictionary<string, string>()), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new() { Value = request.Priority });
        // The request's trace, so the placement made later, in another loop, continues the job's trace.
        command.Parameters.Add(new() { Value = (object?)System.Diagnostics.Activity.Current?.Id ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>The job ended: whatever it still holds or waits for is released, and later requests for it are refused.</summary>
    public async Task ReleaseJob(Guid jobId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH ended AS (INSERT INTO scheduler.ended_jobs (job_id, ended_at) VALUES ($1, now()) ON CONFLICT DO NOTHING)
            UPDATE scheduler.placements SET finished_at = now() WHERE job_id = $1 AND finished_at IS NULL
            """);
        command.Parameters.Add(new() { Value = jobId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>When the earliest held-back request becomes due, if any, so the loop can wake for it.</summary>
    public async Task<DateTimeOffset?> NextDue(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT min(not_before) FROM scheduler.placements WHERE executor_id IS NULL AND finished_at IS NULL AND not_before > now()");
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime due ? new DateTimeOffset(due, TimeSpan.Zero) : null;
    }

    public async Task Release(Guid jobId, int attempt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE scheduler.placements SET finished_at = now() WHERE job_id = $1 AND attempt = $2 AND finished_at IS NULL");
        command.Parameters.Add(new() { Value = jobId });
        command.Parameters.Add(new() { Value = attempt });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Gives waiting attempts that are due, highest priority and then oldest first, the free slots of live executors
    /// in their pool that carry the labels they ask for (or of the executor they target), spreading them over the
    /// executors with the most free slots. Returns what it placed, committed; nothing if another instance is placing.
    /// </summary>
    public async Task<IReadOnlyList<JobPlaced>> PlaceWaiting(CancellationToken cancellationToken) => (await PlaceRound(cancellationToken)).Placed;

    /// <summary>
    /// One round of placement: the placements made, the trace parent each was requested under (read with the waiting
    /// attempts, not again), and whether a full batch was waiting, so another round may place more.
    /// </summary>
    public async Task<PlacementRound> PlaceRound(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        if (!await TryLock(connection, transaction, cancellationToken))
            return PlacementRound.None;

        var capacity = await FreeSlots(connection, transaction, cancellationToken);
        if (capacity.Count == 0)
            return PlacementRound.None;

        var placed = new List<JobPlaced>();
        var parents = new Dictionary<(Guid, int), string>();
        var pools = capacity.Select(c => c.Pool).Distinct().ToArray();
        var executors = capacity.Select(c => c.Id).ToArray();
        var waiting = await Waiting(connection, transaction, pools, executors, cancellationToken);
        foreach (var (jobId, attempt, pool, target, labels, traceParent) in waiting)
        {
            var executor = capacity
                .Where(c => c.Free > 0 && (target is null ? c.Pool == pool : c.Id == target) && c.Carries(labels))
                .MaxBy(c => c.Free);
            if (executor is null)
                continue;
            executor.Free--;
            placed.Add(new JobPlaced(jobId, attempt, executor.Id));
            if (traceParent is not null)
                parents[(jobId, attempt)] = traceParent;
        }

        await Assign(connection, transaction, placed, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new PlacementRound(placed, parents, More: placed.Count > 0 && waiting.Count == options.Value.PlacementBatch);
    }

    /// <summary>Slots of live executors that take work, and how many of them unfinished placements use.</summary>
    public async Task<(long Total, long Used)> Capacity(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT coalesce(sum(e.slots), 0)::bigint,
                   coalesce(sum((SELECT count(*) FROM scheduler.placements p WHERE p.executor_id = e.id AND p.finished_at IS NULL)), 0)::bigint
            FROM scheduler.executors e
            WHERE e.last_heartbeat_at > now() - $1 AND e.lost_at IS NULL
            """);
        command.Parameters.Add(new() { Value = options.Value.ExecutorTimeout });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>The W3C trace parent each placed attempt was requested under, where there was one.</summary>
    public async Task<IReadOnlyDictionary<(Guid JobId, int Attempt), string>> TraceParents(IReadOnlyList<JobPlaced> placed, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT p.job_id, p.attempt, p.trace_parent FROM scheduler.placements p
            JOIN unnest($1::uuid[], $2::int[]) AS r(job_id, attempt) ON p.job_id = r.job_id AND p.attempt = r.attempt
            WHERE p.trace_parent IS NOT NULL
            """);
        command.Parameters.Add(new() { Value = placed.Select(p => p.JobId).ToArray() });
        command.Parameters.Add(new() { Value = placed.Select(p => p.Attempt).ToArray() });
        var parents = new Dictionary<(Guid, int), string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            parents[(reader.GetGuid(0), reader.GetInt32(1))] = reader.GetString(2);
        return parents;
    }

    /// <summary>Placements given but not finished: announced again after a restart, in case the announcement was lost with the process.</summary>
    public async Task<IReadOnlyList<JobPlaced>> Unfinished(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT job_id, attempt, executor_id FROM scheduler.placements WHERE executor_id IS NOT NULL AND finished_at IS NULL");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var placed = new List<JobPlaced>();
        while (await reader.ReadAsync(cancellationToken))
            placed.Add(new JobPlaced(reader.GetGuid(0), reader.GetInt32(1), reader.GetString(2)));
        return placed;
    }

    static async Task<bool> TryLock(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock($1)", connection, transaction);
        command.Parameters.Add(new() { Value = PlacementLockKey });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    async Task<List<ExecutorCapacity>> FreeSlots(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT e.id, e.pool, e.slots - count(p.job_id) AS free, e.labels::text
            FROM scheduler.executors e
            LEFT JOIN scheduler.placements p ON p.executor_id = e.id AND p.finished_at IS NULL
            WHERE e.last_heartbeat_at > now() - $1 AND NOT e.shutting_down AND e.drained_at IS NULL
            GROUP BY e.id, e.pool, e.slots, e.labels::text
            HAVING e.slots - count(p.job_id) > 0
            ORDER BY e.id
            """, connection, transaction);
        command.Parameters.Add(new() { Value = options.Value.ExecutorTimeout });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var capacity = new List<ExecutorCapacity>();
        while (await reader.ReadAsync(cancellationToken))
        {
            capacity.Add(new ExecutorCapacity(reader.GetString(0), reader.GetString(1),
                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(3)) ?? []) { Free = (int)reader.GetInt64(2) });
        }
        return capacity;
    }

    async Task<List<(Guid JobId, int Attempt, string Pool, string? Target, Dictionary<string, string> Labels, string? TraceParent)>> Waiting(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string[] pools, string[] executors, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT job_id, attempt, pool, target_executor_id, executor_labels, trace_parent FROM scheduler.placements
            WHERE executor_id IS NULL AND finished_at IS NULL AND (not_before IS NULL OR not_before <= now())
              AND (CASE WHEN target_executor_id IS NULL THEN pool = ANY($1) ELSE target_executor_id = ANY($2) END)
            ORDER BY priority DESC, requested_at LIMIT $3
            """, connection, transaction);
        command.Parameters.Add(new() { Value = pools });
        command.Parameters.Add(new() { Value = executors });
        command.Parameters.Add(new() { Value = options.Value.PlacementBatch });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var waiting = new List<(Guid, int, string, string?, Dictionary<string, string>, string?)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            waiting.Add((reader.GetGuid(0), reader.GetInt32(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(4)) ?? [], reader.IsDBNull(5) ? null : reader.GetString(5)));
        }
        return waiting;
    }

    static async Task Assign(NpgsqlConnection connection, NpgsqlTransaction transaction, List<JobPlaced> placed, CancellationToken cancellationToken)
    {
        if (placed.Count == 0)
            return;
        await using var command = new NpgsqlCommand(
            """
            UPDATE scheduler.placements p SET executor_id = u.executor_id, placed_at = now()
            FROM unnest($1::uuid[], $2::int[], $3::text[]) AS u(job_id, attempt, executor_id)
            WHERE p.job_id = u.job_id AND p.attempt = u.attempt
            """, connection, transaction);
        command.Parameters.Add(new() { Value = placed.Select(p => p.JobId).ToArray() });
        command.Parameters.Add(new() { Value = placed.Select(p => p.Attempt).ToArray() });
        command.Parameters.Add(new() { Value = placed.Select(p => p.ExecutorId).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    sealed record ExecutorCapacity(string Id, string Pool, Dictionary<string, string> Labels)
    {
        public int Free { get; set; }

        public bool Carries(Dictionary<string, string> required) =>
            required.All(label => Labels.TryGetValue(label.Key, out var value) && value == label.Value);
    }
}

/// <summary>What one placement round did; see <see cref="PlacementStore.PlaceRound"/>.</summary>
public sealed record PlacementRound(IReadOnlyList<JobPlaced> Placed, IReadOnlyDictionary<(Guid JobId, int Attempt), string> TraceParents, bool More)
{
    public static readonly PlacementRound None = new([], new Dictionary<(Guid, int), string>(), false);
}
