using System.Diagnostics;
using System.Text.RegularExpressions;
using Jobs.Testing;
using Npgsql;

namespace Jobs.Bench.ControlPlane;

/// <summary>One statement's share of the measured run, per job.</summary>
internal sealed record StatementCost(string Statement, long Calls, double CallsPerJob, double MsPerJob, double MeanMs, double Share);

/// <summary>What the system's connections were doing when sampled: a state or wait event, and its share of the samples.</summary>
internal sealed record WaitShare(string What, long Samples, double Share, double MeanBackends);

/// <summary>Which statements PostgreSQL ran per job and what its connections waited on; null parts were not available.</summary>
internal sealed record DatabaseProfileResult(
    string? StatementsUnavailable,
    double StatementMsPerJob,
    IReadOnlyList<StatementCost> Statements,
    int WaitSamples,
    double SampleIntervalMs,
    IReadOnlyList<WaitShare> Waits);

/// <summary>
/// The database side of the profile: the statements of the run from <c>pg_stat_statements</c> (a delta of two
/// snapshots of the system's database, so earlier work and other databases stay out; <c>scripts/infra.sh</c> loads
/// the module) and a sampler of <c>pg_stat_activity</c> that tells running from waiting, and on what (a lock, the
/// WAL, the client). Both read from the <c>postgres</c> database, so they add no transactions to the measured one.
/// </summary>
internal sealed partial class DatabaseProfile : IAsyncDisposable
{
    static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25);

    readonly NpgsqlDataSource postgres;
    readonly string database;
    readonly Dictionary<string, long> waits = [];
    readonly Dictionary<long, Statement> before = [];
    string? unavailable;
    int samples;
    CancellationTokenSource? sampling;
    Task? sampler;

    sealed record Statement(string Text, long Calls, double TotalMs);

    DatabaseProfile(NpgsqlDataSource postgres, string database)
    {
        this.postgres = postgres;
        this.database = database;
    }

    public static DatabaseProfile For(ServerEndpoints servers, string database) => new(
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder
        {
            Host = servers.PgHost,
            Port = servers.PgPort,
            Username = servers.PgUser,
            Password = servers.PgPassword,
            Database = "postgres",
            MaxPoolSize = 2,
        }.ConnectionString),
        database);

    /// <summary>Takes the first snapshot and starts sampling.</summary>
    public async Task Start(CancellationToken cancellationToken)
    {
        try
        {
            await using (var create = postgres.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
                await create.ExecuteNonQueryAsync(cancellationToken);
            foreach (var (id, statement) in await Snapshot(cancellationToken))
                before[id] = statement;
        }
        catch (PostgresException ex)
        {
            // Typically 55000: the module is not in shared_preload_libraries (a server started before infra.sh loaded it).
            unavailable = $"pg_stat_statements unavailable ({ex.MessageText}); restart the servers with scripts/infra.sh down && scripts/infra.sh up";
        }

        sampling = new CancellationTokenSource();
        sampler = Sample(sampling.Token);
    }

    /// <summary>Stops sampling and takes the second snapshot; <paramref name="jobs"/> divides the counts.</summary>
    public async Task<DatabaseProfileResult> Stop(long jobs, CancellationToken cancellationToken)
    {
        await sampling!.CancelAsync();
        await sampler!;

        var statements = new List<StatementCost>();
        double totalMs = 0;
        if (unavailable is null)
        {
            var after = await Snapshot(cancellationToken);
            var deltas = after
                .Select(a => (a.Value.Text, Calls: a.Value.Calls - (before.TryGetValue(a.Key, out var b) ? b.Calls : 0),
                    Ms: a.Value.TotalMs - (before.TryGetValue(a.Key, out var c) ? c.TotalMs : 0)))
                .Where(d => d.Calls > 0 && !IsBench(d.Text))
                .ToList();
            totalMs = deltas.Sum(d => d.Ms);
            statements.AddRange(deltas
                .OrderByDescending(d => d.Ms)
                .Take(20)
                .Select(d => new StatementCost(
                    Shorten(d.Text), d.Calls, Math.Round((double)d.Calls / jobs, 3), Math.Round(d.Ms / jobs, 4), Math.Round(d.Ms / d.Calls, 4),
                    totalMs > 0 ? Math.Round(d.Ms / totalMs, 4) : 0)));
        }

        var waitList = waits
            .OrderByDescending(w => w.Value)
            .Select(w => new WaitShare(w.Key, w.Value, Math.Round((double)w.Value / waits.Values.Sum(), 4), Math.Round((double)w.Value / Math.Max(samples, 1), 3)))
            .ToList();
        return new DatabaseProfileResult(unavailable, Math.Round(jobs > 0 ? totalMs / jobs : 0, 4), statements, samples, Interval.TotalMilliseconds, waitList);
    }

    async Task<Dictionary<long, Statement>> Snapshot(CancellationToken cancellationToken)
    {
        // One row per statement text of the database (queryid is per user and database, which are one here).
        await using var command = postgres.CreateCommand(
            """
            SELECT s.queryid, min(s.query), sum(s.calls)::bigint, sum(s.total_exec_time)
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = $1
            GROUP BY s.queryid
            """);
        command.Parameters.Add(new() { Value = database });
        var result = new Dictionary<long, Statement>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            result[reader.GetInt64(0)] = new Statement(reader.GetString(1), reader.GetInt64(2), reader.GetDouble(3));
        return result;
    }

    /// <summary>Counts, every <see cref="Interval"/>, the system's connections that are in a transaction, by what they wait on.</summary>
    async Task Sample(CancellationToken cancellationToken)
    {
        // Active with no wait event = running (on CPU, or ready to run); idle in transaction = waiting for the client's
        // next statement with the transaction (and its row locks) open.
        await using var command = postgres.CreateCommand(
            """
            SELECT CASE WHEN state = 'active' AND wait_event IS NULL THEN 'running'
                        WHEN state = 'active' THEN wait_event_type || ': ' || wait_event
                        ELSE state || ' (waiting for the client)' END, count(*)::bigint
            FROM pg_stat_activity
            WHERE datname = $1 AND state IN ('active', 'idle in transaction') AND pid <> pg_backend_pid()
            GROUP BY 1
            """);
        command.Parameters.Add(new() { Value = database });
        var next = Stopwatch.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                    waits[reader.GetString(0)] = waits.GetValueOrDefault(reader.GetString(0)) + reader.GetInt64(1);
                samples++;
                next += (long)(Interval.TotalSeconds * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait, cancellationToken);
                else
                    next = Stopwatch.GetTimestamp();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    // The bench's own polls of the system's database (SystemDatabase) are not the system's work.
    static bool IsBench(string text) =>
        text.Contains("j.succeeded", StringComparison.Ordinal) || text.Contains("p.requested_at, p.placed_at", StringComparison.Ordinal)
        || text.Contains("pg_stat_user_tables", StringComparison.Ordinal);

    static string Shorten(string text)
    {
        var flat = Whitespace().Replace(text, " ").Trim();
        return flat.Length <= 110 ? flat : flat[..107] + "...";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    public async ValueTask DisposeAsync()
    {
        sampling?.Dispose();
        await postgres.DisposeAsync();
    }
}
