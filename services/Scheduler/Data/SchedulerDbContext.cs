using Microsoft.EntityFrameworkCore;

namespace Jobs.Scheduler.Data;

/// <summary>The <c>scheduler</c> schema: the executor registry and the placements of attempts on executors.</summary>
public sealed class SchedulerDbContext(DbContextOptions<SchedulerDbContext> options) : DbContext(options)
{
    public const string Schema = "scheduler";

    public DbSet<ExecutorRecord> Executors => Set<ExecutorRecord>();
    public DbSet<PlacementRecord> Placements => Set<PlacementRecord>();
    public DbSet<EndedJob> EndedJobs => Set<EndedJob>();
    public DbSet<CanceledSchedule> CanceledSchedules => Set<CanceledSchedule>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(SchedulerDbContext).Assembly);
    }
}
