using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Jobs.JobApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class StalledJobSweepCoversRunning : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_jobs_waiting_updated_at",
                schema: "jobapi",
                table: "jobs");

            migrationBuilder.CreateIndex(
                name: "ix_jobs_unfinished_updated_at",
                schema: "jobapi",
                table: "jobs",
                column: "updated_at",
                filter: "status IN ('Pending', 'Retrying', 'Assigned', 'Canceling', 'Running')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_jobs_unfinished_updated_at",
                schema: "jobapi",
                table: "jobs");

            migrationBuilder.CreateIndex(
                name: "ix_jobs_waiting_updated_at",
                schema: "jobapi",
                table: "jobs",
                column: "updated_at",
                filter: "status IN ('Pending', 'Retrying', 'Assigned', 'Canceling')");
        }
    }
}
