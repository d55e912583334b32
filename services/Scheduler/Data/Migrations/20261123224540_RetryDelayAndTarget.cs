using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Jobs.Scheduler.Data.Migrations
{
    /// <inheritdoc />
    public partial class RetryDelayAndTarget : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_placements_waiting",
                schema: "scheduler",
                table: "placements");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "not_before",
                schema: "scheduler",
                table: "placements",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "target_executor_id",
                schema: "scheduler",
                table: "placements",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_placements_waiting",
                schema: "scheduler",
                table: "placements",
                columns: new[] { "pool", "requested_at" },
                filter: "executor_id IS NULL AND finished_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_placements_waiting",
                schema: "scheduler",
                table: "placements");

            migrationBuilder.DropColumn(
                name: "not_before",
                schema: "scheduler",
                table: "placements");

            migrationBuilder.DropColumn(
                name: "target_executor_id",
                schema: "scheduler",
                table: "placements");

            migrationBuilder.CreateIndex(
                name: "ix_placements_waiting",
                schema: "scheduler",
                table: "placements",
                columns: new[] { "pool", "requested_at" },
                filter: "executor_id IS NULL");
        }
    }
}
