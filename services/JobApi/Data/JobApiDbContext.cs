using Jobs.JobApi.StateMachines;
using Microsoft.EntityFrameworkCore;

namespace Jobs.JobApi.Data;

/// <summary>The <c>jobapi</c> schema: jobs (saga rows), their attempts, idempotency keys, API keys and the audit log.</summary>
public sealed class JobApiDbContext(DbContextOptions<JobApiDbContext> options) : DbContext(options)
{
    public const string Schema = "jobapi";

    public DbSet<JobState> Jobs => Set<JobState>();
    public DbSet<IdempotencyKey> IdempotencyKeys => Set<IdempotencyKey>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(JobApiDbContext).Assembly);
    }
}
