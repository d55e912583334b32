using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;

namespace Jobs.ServiceDefaults;

/// <summary>Applies a context's EF Core migrations at start-up; hosted services start in order, so this runs before the bus.</summary>
public sealed class MigrateDatabase<TContext>(IDbContextFactory<TContext> factory) : IHostedService
    where TContext : DbContext
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
