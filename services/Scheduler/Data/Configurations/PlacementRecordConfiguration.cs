using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Jobs.Scheduler.Data.Configurations;

public sealed class PlacementRecordConfiguration : IEntityTypeConfiguration<PlacementRecord>
{
    public void Configure(EntityTypeBuilder<PlacementRecord> builder)
    {
        builder.ToTable("placements");
        builder.HasKey(x => new { x.JobId, x.Attempt });
        builder.Property(x => x.JobId).HasColumnName("job_id");
        builder.Property(x => x.Attempt).HasColumnName("attempt");
        builder.Property(x => x.Pool).HasColumnName("pool").HasMaxLength(64);
        builder.Property(x => x.RequestedAt).HasColumnName("requested_at");
        builder.Property(x => x.NotBefore).HasColumnName("not_before");
        builder.Property(x => x.TargetExecutorId).HasColumnName("target_executor_id").HasMaxLength(128);
        builder.Property(x => x.ExecutorLabels).HasColumnName("executor_labels").HasColumnType("jsonb").HasDefaultValueSql("'{}'::jsonb");
        builder.Property(x => x.TraceParent).HasColumnName("trace_parent");
        builder.Property(x => x.Priority).HasColumnName("priority").HasDefaultValue(0);
        builder.Property(x => x.DelayReported).HasColumnName("delay_reported").HasDefaultValue(false);
        builder.Property(x => x.ExecutorId).HasColumnName("executor_id").HasMaxLength(128);
        builder.Property(x => x.PlacedAt).HasColumnName("placed_at");
        builder.Property(x => x.FinishedAt).HasColumnName("finished_at");
        builder.Property(x => x.LostAt).HasColumnName("lost_at");
        builder.Property(x => x.LossAnnounced).HasColumnName("loss_announced").HasDefaultValue(false);
        builder.HasIndex(x => x.LostAt).HasFilter("lost_at IS NOT NULL AND NOT loss_announced").HasDatabaseName("ix_placements_unannounced_losses");

        // Slots in use: placed and not finished. Waiting: not placed, oldest first.
        builder.HasIndex(x => x.ExecutorId).HasFilter("finished_at IS NULL").HasDatabaseName("ix_placements_active");
        builder.HasIndex(x => new { x.Pool, x.Priority, x.RequestedAt }).HasFilter("executor_id IS NULL AND finished_at IS NULL").HasDatabaseName("ix_placements_waiting");
    }
}
