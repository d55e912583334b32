using Jobs.JobApi.Data;
using Jobs.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Jobs.JobApi.Tests;

/// <summary>Real PostgreSQL (a database of its own, migrated as JobApi migrates it) and RabbitMQ (a virtual host of its own) for one test class.</summary>
public sealed class ServersFixture : IAsyncLifetime
{
    public ServerEndpoints Servers { get; private set; } = null!;
    public TestDatabase Database { get; private set; } = null!;
    public TestVirtualHost VirtualHost { get; private set; } = null!;
    public NpgsqlDataSource Sql { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Servers = await TestServers.Get();
        Database = await TestDatabase.Create(Servers);
        VirtualHost = await TestVirtualHost.Create(Servers);
        Sql = Database.CreateDataSource();
        await using var db = CreateDbContext();
        await db.Database.MigrateAsync();
    }

    public void UseDatabase(DbContextOptionsBuilder options) =>
        options.UseNpgsql(Database.ConnectionString, npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", JobApiDbContext.Schema));

    public JobApiDbContext CreateDbContext()
    {
        var options = new DbContextOptionsBuilder<JobApiDbContext>();
        UseDatabase(options);
        return new JobApiDbContext(options.Options);
    }

    public async Task DisposeAsync()
    {
        await Sql.DisposeAsync();
        await VirtualHost.DisposeAsync();
        await Database.DisposeAsync();
    }
}
