using Jobs.JobApi.Data;
using Jobs.ServiceDefaults;
using Jobs.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Jobs.JobApi.Tests;

/// <summary>Replicas start together: each migrates the same fresh database at the same moment, and all must start.</summary>
public sealed class ConcurrentMigrationTests
{
    [Fact]
    public async Task FourInstancesMigratingAFreshDatabaseAtOnce_AllSucceed()
    {
        var servers = await TestServers.Get();
        for (var round = 0; round < 3; round++)
        {
            await using var database = await TestDatabase.Create(servers);
            await using var data = database.CreateDataSource();
            var factory = new Factory(database.ConnectionString);

            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new MigrateDatabase<JobApiDbContext>(factory, data).StartAsync(CancellationToken.None))));

            await using var db = factory.CreateDbContext();
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        }
    }

    [Fact]
    public async Task AnInstanceWaitingForTheLockLongerThanItsCommandTimeout_MigratesOnceItsTurnComes()
    {
        var servers = await TestServers.Get();
        await using var database = await TestDatabase.Create(servers);
        await using var data = database.CreateDataSource();
        // A command timeout of 1 s stands for the default 30 s that a crowd of replicas on a slow database can outwait.
        await using var impatient = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(database.ConnectionString) { CommandTimeout = 1 }.ConnectionString);
        await using var holder = await HeldLock.Take(data, $"SELECT pg_advisory_xact_lock({MigrateDatabase<JobApiDbContext>.LockKey})");

        var migration = new MigrateDatabase<JobApiDbContext>(new Factory(database.ConnectionString), impatient).StartAsync(CancellationToken.None);
        await Eventually.Get(holder.Waiters, waiters => waiters == 1, TimeSpan.FromSeconds(30), "the migration to wait for the lock");
        // Past its command timeout it still waits, rather than failing the start.
        await Task.WhenAny(migration, Task.Delay(TimeSpan.FromSeconds(3)));
        Assert.False(migration.IsCompleted, $"the migration ended while the lock was held: {migration.Exception?.GetBaseException().Message}");

        await holder.Release();
        await migration;
        await using var db = new Factory(database.ConnectionString).CreateDbContext();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    sealed class Factory(string connectionString) : IDbContextFactory<JobApiDbContext>
    {
        public JobApiDbContext CreateDbContext() => new(new DbContextOptionsBuilder<JobApiDbContext>()
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", JobApiDbContext.Schema))
            .Options);
    }
}
