using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Jobs.Scheduler.Data.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "scheduler");

            migrationBuilder.CreateTable(
                name: "canceled_schedules",
                schema: "scheduler",
                columns: table => new
                {
                    token_id = table.Column<Guid>(type: "uuid", nullable: false),
                    canceled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_canceled_schedules", x => x.token_id);
                });

            migrationBuilder.CreateTable(
                name: "ended_jobs",
                schema: "scheduler",
                columns: table => new
                {
                    job_id = table.Column<Guid>(type: "uuid", nullable: false),
                    ended_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ended_jobs", x => x.job_id);
                });

            migrationBuilder.CreateTable(
                name: "executors",
                schema: "scheduler",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    pool = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    labels = table.Column<string>(type: "jsonb", nullable: false),
                    slots = table.Column<int>(type: "integer", nullable: false),
                    host = table.Column<string>(type: "jsonb", nullable: false),
                    registered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_heartbeat_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    lost_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_executors", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "placements",
                schema: "scheduler",
                columns: table => new
                {
                    job_id = table.Column<Guid>(type: "uuid", nullable: false),
                    attempt = table.Column<int>(type: "integer", nullable: false),
                    pool = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    requested_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    not_before = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    target_executor_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    executor_labels = table.Column<string>(type: "jsonb", nullable: false, defaultValueSql: "'{}'::jsonb"),
                    priority = table.Column<int>(type: "integer", nullable: false, defaultValue: 0),
                    delay_reported = table.Column<bool>(type: "boolean", nullable: false, defaultValue: false),
                    executor_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    placed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    lost_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    loss_announced = table.Column<bool>(type: "boolean", nullable: false, defaultValue: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_placements", x => new { x.job_id, x.attempt });
                });

            migrationBuilder.CreateIndex(
                name: "ix_placements_active",
                schema: "scheduler",
                table: "placements",
                column: "executor_id",
                filter: "finished_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_placements_unannounced_losses",
                schema: "scheduler",
                table: "placements",
                column: "lost_at",
                filter: "lost_at IS NOT NULL AND NOT loss_announced");

            migrationBuilder.CreateIndex(
                name: "ix_placements_waiting",
                schema: "scheduler",
                table: "placements",
                columns: new[] { "pool", "priority", "requested_at" },
                filter: "executor_id IS NULL AND finished_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "canceled_schedules",
                schema: "scheduler");

            migrationBuilder.DropTable(
                name: "ended_jobs",
                schema: "scheduler");

            migrationBuilder.DropTable(
                name: "executors",
                schema: "scheduler");

            migrationBuilder.DropTable(
                name: "placements",
                schema: "scheduler");
        }
    }
}
