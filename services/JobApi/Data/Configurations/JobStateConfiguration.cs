using System.Text.Json;
using Jobs.Contracts;
using Jobs.JobApi.StateMachines;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Jobs.JobApi.Data.Configurations;

public sealed class JobStateConfiguration : IEntityTypeConfiguration<JobState>
{
    static readonly JsonSerializerOptions SpecJson = new(JsonSerializerDefaults.Web);

    public void Configure(EntityTypeBuilder<JobState> builder)
    {
        builder.ToTable("jobs");
        builder.HasKey(x => x.CorrelationId);
        builder.Property(x => x.CorrelationId).HasColumnName("id").ValueGeneratedNever();
        builder.Property(x => x.CurrentState).HasColumnName("status").HasMaxLength(32).IsRequired();
        builder.Property(x => x.Spec).HasColumnName("spec").HasColumnType("jsonb").HasConversion(
            spec => JsonSerializer.Serialize(spec, SpecJson),
            json => JsonSerializer.Deserialize<JobSpec>(json, SpecJson)!);
        builder.Property(x => x.Tenant).HasColumnName("tenant").HasMaxLength(63).IsRequired();
        builder.Property(x => x.Owner).HasColumnName("owner").HasMaxLength(256).IsRequired();
        builder.Property(x => x.RetryOf).HasColumnName("retry_of");
        builder.Property(x => x.SubmittedAt).HasColumnName("submitted_at");
        builder.Property(x => x.UpdatedAt).HasColumnName("updated_at");
        builder.Property(x => x.Attempt).HasColumnName("attempt");
        builder.Property(x => x.ExecutorId).HasColumnName("executor_id").HasMaxLength(128);
        builder.Property(x => x.AssignedAt).HasColumnName("assigned_at");
        builder.Property(x => x.StartedAt).HasColumnName("started_at");
        builder.Property(x => x.FinishedAt).HasColumnName("finished_at");
        builder.Property(x => x.ExitCode).HasColumnName("exit_code");
        builder.Property(x => x.Error).HasColumnName("error");
        builder.Property(x => x.LogChunks).HasColumnName("log_chunks");
        builder.Property(x => x.NextAttemptAt).HasColumnName("next_attempt_at");
        builder.Property(x => x.CancelRequestedAt).HasColumnName("cancel_requested_at");
        builder.Property(x => x.QueueTimeoutToken).HasColumnName("queue_timeout_token");
        builder.Property(x => x.StatusDetail).HasColumnName("status_detail");
        builder.HasMany(x => x.Attempts).WithOne().HasForeignKey(x => x.JobId).OnDelete(DeleteBehavior.Cascade);

        // The job list pages a tenant's jobs newest first with a (submitted_at, id) cursor.
        builder.HasIndex(x => new { x.Tenant, x.SubmittedAt, x.CorrelationId }).IsDescending(false, true, true).HasDatabaseName("ix_jobs_tenant_submitted_at_id");

        // The stalled-job sweep reads the jobs that wait on a message, longest unchanged first; only those are indexed.
        builder.HasIndex(x => x.UpdatedAt).HasFilter("status IN ('Pending', 'Retrying', 'Assigned', 'Canceling', 'Running')").HasDatabaseName("ix_jobs_unfinished_updated_at");
    }
}
