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
                    last_heartbeat_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
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
                    executor_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    placed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
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
                name: "ix_placements_waiting",
                schema: "scheduler",
                table: "placements",
                columns: new[] { "pool", "requested_at" },
                filter: "executor_id IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "executors",
                schema: "scheduler");

            migrationBuilder.DropTable(
                name: "placements",
                schema: "scheduler");
        }
    }
}
