using Jobs.JobApi.StateMachines;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Jobs.JobApi.Data.Configurations;

public sealed class JobAttemptConfiguration : IEntityTypeConfiguration<JobAttempt>
{
    public void Configure(EntityTypeBuilder<JobAttempt> builder)
    {
        builder.ToTable("attempts");
        builder.HasKey(x => new { x.JobId, x.Number });
        builder.Property(x => x.JobId).HasColumnName("job_id");
        builder.Property(x => x.Number).HasColumnName("number").ValueGeneratedNever();
        builder.Property(x => x.ExecutorId).HasColumnName("executor_id").HasMaxLength(128);
        builder.Property(x => x.AssignedAt).HasColumnName("assigned_at");
        builder.Property(x => x.StartedAt).HasColumnName("started_at");
        builder.Property(x => x.FinishedAt).HasColumnName("finished_at");
        builder.Property(x => x.ExitCode).HasColumnName("exit_code");
        builder.Property(x => x.Signal).HasColumnName("signal");
        builder.Property(x => x.Outcome).HasColumnName("outcome").HasMaxLength(16);
        builder.Property(x => x.Error).HasColumnName("error");
        builder.Property(x => x.LogChunks).HasColumnName("log_chunks");
        builder.Property(x => x.OutputBytes).HasColumnName("output_bytes");
        builder.Property(x => x.OutputTruncated).HasColumnName("output_truncated");
        builder.Property(x => x.EnforcedLimits).HasColumnName("enforced_limits").HasDefaultValueSql("'{}'");
        builder.Property(x => x.UnenforcedLimits).HasColumnName("unenforced_limits").HasDefaultValueSql("'{}'");
        builder.Property(x => x.CpuMicroseconds).HasColumnName("cpu_microseconds");
        builder.Property(x => x.PeakMemoryBytes).HasColumnName("peak_memory_bytes");
    }
}
