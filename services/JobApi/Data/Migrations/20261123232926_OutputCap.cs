using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Jobs.JobApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class OutputCap : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "output_bytes",
                schema: "jobapi",
                table: "attempts",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "output_truncated",
                schema: "jobapi",
                table: "attempts",
                type: "boolean",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "output_bytes",
                schema: "jobapi",
                table: "attempts");

            migrationBuilder.DropColumn(
                name: "output_truncated",
                schema: "jobapi",
                table: "attempts");
        }
    }
}
