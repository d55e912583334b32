using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Jobs.Scheduler.Data.Migrations
{
    /// <inheritdoc />
    public partial class LabelsAndPriority : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_placements_waiting",
                schema: "scheduler",
                table: "placements");

            migrationBuilder.AddColumn<string>(
                name: "executor_labels",
                schema: "scheduler",
                table: "placements",
                type: "jsonb",
                nullable: false,
                defaultValueSql: "'{}'::jsonb");

            migrationBuilder.AddColumn<int>(
                name: "priority",
                schema: "scheduler",
                table: "placements",
                type: "integer",
                nullable: false,
                defaultValue: 0);

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
            migrationBuilder.DropIndex(
                name: "ix_placements_waiting",
                schema: "scheduler",
                table: "placements");

            migrationBuilder.DropColumn(
                name: "executor_labels",
                schema: "scheduler",
                table: "placements");

            migrationBuilder.DropColumn(
                name: "priority",
                schema: "scheduler",
                table: "placements");

            migrationBuilder.CreateIndex(
                name: "ix_placements_waiting",
                schema: "scheduler",
                table: "placements",
                columns: new[] { "pool", "requested_at" },
                filter: "executor_id IS NULL AND finished_at IS NULL");
        }
    }
}
