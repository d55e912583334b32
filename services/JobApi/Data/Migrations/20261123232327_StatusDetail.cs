using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Jobs.JobApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class StatusDetail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "status_detail",
                schema: "jobapi",
                table: "jobs",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "status_detail",
                schema: "jobapi",
                table: "jobs");
        }
    }
}
