using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Jobs.LogSink.Data.Configurations;

public sealed class LogChunkRecordConfiguration : IEntityTypeConfiguration<LogChunkRecord>
{
    public void Configure(EntityTypeBuilder<LogChunkRecord> builder)
    {
        builder.ToTable("log_chunks");
        builder.HasKey(x => new { x.JobId, x.Attempt, x.Seq });
        builder.Property(x => x.JobId).HasColumnName("job_id");
        builder.Property(x => x.Attempt).HasColumnName("attempt");
        builder.Property(x => x.Seq).HasColumnName("seq");
        builder.Property(x => x.Stream).HasColumnName("stream");
        builder.Property(x => x.Timestamp).HasColumnName("ts");
        builder.Property(x => x.Data).HasColumnName("data");
    }
}
