using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Jobs.Scheduler.Data.Migrations
{
    /// <inheritdoc />
    public partial class LostExecutors : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "loss_announced",
                schema: "scheduler",
                table: "placements",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "lost_at",
                schema: "scheduler",
                table: "placements",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "lost_at",
                schema: "scheduler",
                table: "executors",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_placements_unannounced_losses",
                schema: "scheduler",
                table: "placements",
                column: "lost_at",
                filter: "lost_at IS NOT NULL AND NOT loss_announced");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_placements_unannounced_losses",
                schema: "scheduler",
                table: "placements");

            migrationBuilder.DropColumn(
                name: "loss_announced",
                schema: "scheduler",
                table: "placements");

            migrationBuilder.DropColumn(
                name: "lost_at",
                schema: "scheduler",
                table: "placements");

            migrationBuilder.DropColumn(
                name: "lost_at",
                schema: "scheduler",
                table: "executors");
        }
    }
}
