using Jobs.JobApi.Data;
using Jobs.ServiceDefaults;
using Jobs.Testing;
using Microsoft.EntityFrameworkCore;

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

    sealed class Factory(string connectionString) : IDbContextFactory<JobApiDbContext>
    {
        public JobApiDbContext CreateDbContext() => new(new DbContextOptionsBuilder<JobApiDbContext>()
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", JobApiDbContext.Schema))
            .Options);
    }
}
