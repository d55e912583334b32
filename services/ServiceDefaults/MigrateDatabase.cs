using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Jobs.ServiceDefaults;

/// <summary>
/// Applies a context's EF Core migrations at start-up; hosted services start in order, so this runs before the bus.
/// Instances of a service starting together (replicas) take turns under a PostgreSQL advisory lock: without it two
/// of them could both find a migration missing and both apply it, and one would fail on the other's columns.
/// </summary>
public sealed class MigrateDatabase<TContext>(IDbContextFactory<TContext> factory, NpgsqlDataSource dataSource) : IHostedService
    where TContext : DbContext
{
    /// <summary>One lock for all the services' migrations: "jobs" + "migr" in ASCII.</summary>
    public const long LockKey = 0x6A6F6273_6D696772;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // No command timeout: with many instances starting at once on a slow database, the turn of the last one can
        // come after more than the default 30 s, and it must wait for it, not fail to start.
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({LockKey})", connection) { CommandTimeout = 0 })
            await take.ExecuteNonQueryAsync(cancellationToken);
        try
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            await db.Database.MigrateAsync(cancellationToken);
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({LockKey})", connection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
