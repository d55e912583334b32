using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Jobs.Scheduler.Data.Configurations;

public sealed class ExecutorRecordConfiguration : IEntityTypeConfiguration<ExecutorRecord>
{
    public void Configure(EntityTypeBuilder<ExecutorRecord> builder)
    {
        builder.ToTable("executors");
        builder.HasKey(x => x.Id);
        builder.Property(x => x.Id).HasColumnName("id").HasMaxLength(128);
        builder.Property(x => x.Pool).HasColumnName("pool").HasMaxLength(64);
        builder.Property(x => x.Labels).HasColumnName("labels").HasColumnType("jsonb");
        builder.Property(x => x.Slots).HasColumnName("slots");
        builder.Property(x => x.Host).HasColumnName("host").HasColumnType("jsonb");
        builder.Property(x => x.RegisteredAt).HasColumnName("registered_at");
        builder.Property(x => x.LastHeartbeatAt).HasColumnName("last_heartbeat_at");
        builder.Property(x => x.LostAt).HasColumnName("lost_at");
        builder.Property(x => x.ShuttingDown).HasColumnName("shutting_down").HasDefaultValue(false);
        builder.Property(x => x.DrainedAt).HasColumnName("drained_at");
    }
}
