using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Jobs.JobApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class TenantsKeysAudit : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_jobs_submitted_at_id",
                schema: "jobapi",
                table: "jobs");

            migrationBuilder.DropPrimaryKey(
                name: "PK_idempotency_keys",
                schema: "jobapi",
                table: "idempotency_keys");

            migrationBuilder.AddColumn<string>(
                name: "owner",
                schema: "jobapi",
                table: "jobs",
                type: "character varying(256)",
                maxLength: 256,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<Guid>(
                name: "retry_of",
                schema: "jobapi",
                table: "jobs",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "tenant",
                schema: "jobapi",
                table: "jobs",
                type: "character varying(63)",
                maxLength: 63,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "tenant",
                schema: "jobapi",
                table: "idempotency_keys",
                type: "character varying(63)",
                maxLength: 63,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddPrimaryKey(
                name: "PK_idempotency_keys",
                schema: "jobapi",
                table: "idempotency_keys",
                columns: new[] { "tenant", "key" });

            migrationBuilder.CreateTable(
                name: "api_keys",
                schema: "jobapi",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    role = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    secret_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    revoked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_api_keys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "audit_events",
                schema: "jobapi",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    tenant = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    actor = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    role = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    action = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    target = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    outcome = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    detail = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_events", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_jobs_tenant_submitted_at_id",
                schema: "jobapi",
                table: "jobs",
                columns: new[] { "tenant", "submitted_at", "id" },
                descending: new[] { false, true, true });

            migrationBuilder.CreateIndex(
                name: "ix_api_keys_tenant_created_at",
                schema: "jobapi",
                table: "api_keys",
                columns: new[] { "tenant", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_events_tenant_id",
                schema: "jobapi",
                table: "audit_events",
                columns: new[] { "tenant", "id" },
                descending: new[] { false, true });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "api_keys",
                schema: "jobapi");

            migrationBuilder.DropTable(
                name: "audit_events",
                schema: "jobapi");

            migrationBuilder.DropIndex(
                name: "ix_jobs_tenant_submitted_at_id",
                schema: "jobapi",
                table: "jobs");

            migrationBuilder.DropPrimaryKey(
                name: "PK_idempotency_keys",
                schema: "jobapi",
                table: "idempotency_keys");

            migrationBuilder.DropColumn(
                name: "owner",
                schema: "jobapi",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "retry_of",
                schema: "jobapi",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "tenant",
                schema: "jobapi",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "tenant",
                schema: "jobapi",
                table: "idempotency_keys");

            migrationBuilder.AddPrimaryKey(
                name: "PK_idempotency_keys",
                schema: "jobapi",
                table: "idempotency_keys",
                column: "key");

            migrationBuilder.CreateIndex(
                name: "ix_jobs_submitted_at_id",
                schema: "jobapi",
                table: "jobs",
                columns: new[] { "submitted_at", "id" },
                descending: new bool[0]);
        }
    }
}
