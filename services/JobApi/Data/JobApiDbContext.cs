using Jobs.JobApi.StateMachines;
using Microsoft.EntityFrameworkCore;

namespace Jobs.JobApi.Data;

/// <summary>The <c>jobapi</c> schema: jobs (saga rows).</summary>
public sealed class JobApiDbContext(DbContextOptions<JobApiDbContext> options) : DbContext(options)
{
    public const string Schema = "jobapi";

    public DbSet<JobState> Jobs => Set<JobState>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(JobApiDbContext).Assembly);
    }
}
