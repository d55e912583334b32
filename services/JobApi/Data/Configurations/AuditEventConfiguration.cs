using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Jobs.JobApi.Data.Configurations;

public sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.ToTable("audit_events");
        builder.HasKey(x => x.Id);
        builder.Property(x => x.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        builder.Property(x => x.At).HasColumnName("at");
        builder.Property(x => x.Tenant).HasColumnName("tenant").HasMaxLength(63);
        builder.Property(x => x.Actor).HasColumnName("actor").HasMaxLength(256);
        builder.Property(x => x.Role).HasColumnName("role").HasMaxLength(16);
        builder.Property(x => x.Action).HasColumnName("action").HasMaxLength(64);
        builder.Property(x => x.Target).HasColumnName("target").HasMaxLength(256);
        builder.Property(x => x.Outcome).HasColumnName("outcome").HasMaxLength(16);
        builder.Property(x => x.Detail).HasColumnName("detail");

        // Admins read their tenant's events newest first.
        builder.HasIndex(x => new { x.Tenant, x.Id }).IsDescending(false, true).HasDatabaseName("ix_audit_events_tenant_id");
    }
}
