using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Jobs.Scheduler.Data.Configurations;

public sealed class CanceledScheduleConfiguration : IEntityTypeConfiguration<CanceledSchedule>
{
    public void Configure(EntityTypeBuilder<CanceledSchedule> builder)
    {
        builder.ToTable("canceled_schedules");
        builder.HasKey(x => x.TokenId);
        builder.Property(x => x.TokenId).HasColumnName("token_id");
        builder.Property(x => x.CanceledAt).HasColumnName("canceled_at");
    }
}
