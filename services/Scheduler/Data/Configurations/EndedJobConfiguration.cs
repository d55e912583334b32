using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Jobs.Scheduler.Data.Configurations;

public sealed class EndedJobConfiguration : IEntityTypeConfiguration<EndedJob>
{
    public void Configure(EntityTypeBuilder<EndedJob> builder)
    {
        builder.ToTable("ended_jobs");
        builder.HasKey(x => x.JobId);
        builder.Property(x => x.JobId).HasColumnName("job_id");
        builder.Property(x => x.EndedAt).HasColumnName("ended_at");
    }
}
