using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Jobs.JobApi.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the service.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<JobApiDbContext>
{
    public JobApiDbContext CreateDbContext(string[] args) => new(new DbContextOptionsBuilder<JobApiDbContext>()
        .UseNpgsql("Host=localhost", npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", JobApiDbContext.Schema))
        .Options);
}
