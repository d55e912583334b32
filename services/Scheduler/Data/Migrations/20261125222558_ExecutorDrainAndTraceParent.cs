using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Jobs.Scheduler.Data.Migrations
{
    /// <inheritdoc />
    public partial class ExecutorDrainAndTraceParent : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "trace_parent",
                schema: "scheduler",
                table: "placements",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "drained_at",
                schema: "scheduler",
                table: "executors",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "shutting_down",
                schema: "scheduler",
                table: "executors",
                type: "boolean",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "trace_parent",
                schema: "scheduler",
                table: "placements");

            migrationBuilder.DropColumn(
                name: "drained_at",
                schema: "scheduler",
                table: "executors");

            migrationBuilder.DropColumn(
                name: "shutting_down",
                schema: "scheduler",
                table: "executors");
        }
    }
}
