using Jobs.Scheduler.Data;
using Jobs.Testing;
using Microsoft.EntityFrameworkCore;

namespace Jobs.Scheduler.Tests;

/// <summary>A fresh database with the Scheduler's migrations applied.</summary>
static class SchedulerDatabase
{
    public static async Task<TestDatabase> Create()
    {
        var database = await TestDatabase.Create(await TestServers.Get());
        var options = new DbContextOptionsBuilder<SchedulerDbContext>()
            .UseNpgsql(database.ConnectionString, npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", SchedulerDbContext.Schema))
            .Options;
        await using var context = new SchedulerDbContext(options);
        await context.Database.MigrateAsync();
        return database;
    }
}
