using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Jobs.Scheduler.Data.Migrations
{
    /// <inheritdoc />
    public partial class PlacementTraceParent : Migration
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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "trace_parent",
                schema: "scheduler",
                table: "placements");
        }
    }
}
