using Microsoft.EntityFrameworkCore;

namespace Jobs.LogSink.Data;

/// <summary>The <c>logs</c> schema. EF Core owns its shape; rows are written with binary COPY (<see cref="Storage.LogChunkWriter"/>).</summary>
public sealed class LogsDbContext(DbContextOptions<LogsDbContext> options) : DbContext(options)
{
    public const string Schema = "logs";

    public DbSet<LogChunkRecord> Chunks => Set<LogChunkRecord>();
    public DbSet<EndedJobRecord> EndedJobs => Set<EndedJobRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(LogsDbContext).Assembly);
    }
}
