using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Jobs.JobApi.Data.Configurations;

public sealed class IdempotencyKeyConfiguration : IEntityTypeConfiguration<IdempotencyKey>
{
    public void Configure(EntityTypeBuilder<IdempotencyKey> builder)
    {
        builder.ToTable("idempotency_keys");
        builder.HasKey(x => new { x.Tenant, x.Key });
        builder.Property(x => x.Tenant).HasColumnName("tenant").HasMaxLength(63);
        builder.Property(x => x.Key).HasColumnName("key").HasMaxLength(255);
        builder.Property(x => x.RequestHash).HasColumnName("request_hash");
        builder.Property(x => x.JobId).HasColumnName("job_id");
        builder.Property(x => x.CreatedAt).HasColumnName("created_at");
    }
}
