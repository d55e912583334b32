using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Jobs.ServiceDefaults;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build a service's model without starting the service; the history table lives
/// in the service's own schema, as at run time (<see cref="DatabaseExtensions.AddJobsDatabase{TContext}"/>).
/// </summary>
public abstract class DesignTimeDbContextFactory<TContext>(string schema) : IDesignTimeDbContextFactory<TContext>
    where TContext : DbContext
{
    public TContext CreateDbContext(string[] args) => (TContext)Activator.CreateInstance(
        typeof(TContext),
        new DbContextOptionsBuilder<TContext>()
            .UseNpgsql("Host=localhost", npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", schema))
            .Options)!;
}
