using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Jobs.LogSink.Data.Configurations;

public sealed class EndedJobRecordConfiguration : IEntityTypeConfiguration<EndedJobRecord>
{
    public void Configure(EntityTypeBuilder<EndedJobRecord> builder)
    {
        builder.ToTable("ended_jobs");
        builder.HasKey(x => x.JobId);
        builder.Property(x => x.JobId).HasColumnName("job_id");
        builder.Property(x => x.EndedAt).HasColumnName("ended_at");
        builder.HasIndex(x => x.EndedAt);
    }
}
