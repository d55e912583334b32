using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Jobs.Testing;
using Npgsql;

namespace Jobs.Bench.ControlPlane;

/// <summary>A virtual host's message counters from the management API (<c>GET /api/vhosts/{vhost}</c>, <c>message_stats</c>).</summary>
internal sealed record BrokerCounters(long Publish, long Confirm, long DeliverGet, long Ack, long Redeliver, long Unroutable)
{
    public static BrokerCounters operator -(BrokerCounters after, BrokerCounters before) => new(
        after.Publish - before.Publish, after.Confirm - before.Confirm, after.DeliverGet - before.DeliverGet,
        after.Ack - before.Ack, after.Redeliver - before.Redeliver, after.Unroutable - before.Unroutable);
}

/// <summary>A database's counters from <c>pg_stat_database</c>.</summary>
internal sealed record DatabaseCounters(long Commits, long Rollbacks, long Inserted, long Updated, long Deleted, long Returned, long Fetched)
{
    public long RowsWritten => Inserted + Updated + Deleted;

    public static DatabaseCounters operator -(DatabaseCounters after, DatabaseCounters before) => new(
        after.Commits - before.Commits, after.Rollbacks - before.Rollbacks, after.Inserted - before.Inserted,
        after.Updated - before.Updated, after.Deleted - before.Deleted, after.Returned - before.Returned, after.Fetched - before.Fetched);
}

/// <summary>
/// Reads the servers' own counters: RabbitMQ's per virtual host, PostgreSQL's per database. Both lag: RabbitMQ's
/// channels report their counts every <c>collect_statistics_interval</c> (5 s by default), and a PostgreSQL 15+
/// backend that goes idle flushes its counts within 10 s (PGSTAT_IDLE_INTERVAL); <see cref="Lag"/> covers both. The
/// database counters are read from the <c>postgres</c> database, so reading them adds nothing to the measured one.
/// </summary>
internal sealed class ServerCounters : IDisposable
{
    /// <summary>How long after the last activity both servers' counters are complete.</summary>
    public static readonly TimeSpan Lag = TimeSpan.FromSeconds(11);

    readonly HttpClient management;
    readonly NpgsqlDataSource postgres;
    readonly string virtualHost;
    readonly string database;

    public ServerCounters(ServerEndpoints servers, string virtualHost, string database)
    {
        management = new HttpClient { BaseAddress = new Uri($"http://{servers.RabbitHost}:{servers.RabbitManagementPort}/api/"), Timeout = TimeSpan.FromSeconds(10) };
        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{servers.RabbitUser}:{servers.RabbitPassword}")));
        postgres = MaintenanceDatabase(servers);
        this.virtualHost = virtualHost;
        this.database = database;
    }

    /// <summary>The server's <c>postgres</c> database: reading the statistics there adds nothing to the measured database's counts.</summary>
    public static NpgsqlDataSource MaintenanceDatabase(ServerEndpoints servers) => NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder
    {
        Host = servers.PgHost,
        Port = servers.PgPort,
        Username = servers.PgUser,
        Password = servers.PgPassword,
        Database = "postgres",
        MaxPoolSize = 2,
    }.ConnectionString);

    public async Task<BrokerCounters> Broker(CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await management.GetStringAsync(new Uri($"vhosts/{Uri.EscapeDataString(virtualHost)}", UriKind.Relative), cancellationToken));
        if (!document.RootElement.TryGetProperty("message_stats", out var stats))
            return new BrokerCounters(0, 0, 0, 0, 0, 0);
        long Count(string name) => stats.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;
        return new BrokerCounters(
            Count("publish"), Count("confirm"), Count("deliver_get"), Count("ack"), Count("redeliver"),
            Count("return_unroutable") + Count("drop_unroutable"));
    }

    public async Task<DatabaseCounters> Database(CancellationToken cancellationToken)
    {
        await using var command = postgres.CreateCommand(
            """
            SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_returned, tup_fetched
            FROM pg_stat_database WHERE datname = $1
            """);
        command.Parameters.Add(new() { Value = database });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            throw new InvalidOperationException($"pg_stat_database has no row for {database}.");
        return new DatabaseCounters(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6));
    }

    public async Task<string> PostgresVersion(CancellationToken cancellationToken)
    {
        await using var command = postgres.CreateCommand("SHOW server_version");
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The broker's version, or null if the management API does not say (it is context, not a result).</summary>
    public async Task<string?> RabbitMqVersion(CancellationToken cancellationToken)
    {
        try
        {
            using var overview = JsonDocument.Parse(await management.GetStringAsync(new Uri("overview", UriKind.Relative), cancellationToken));
            return overview.RootElement.GetProperty("rabbitmq_version").GetString();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        management.Dispose();
        postgres.Dispose();
    }
}
