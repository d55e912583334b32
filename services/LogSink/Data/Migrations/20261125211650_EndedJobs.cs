using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Jobs.LogSink.Data.Migrations
{
    /// <inheritdoc />
    public partial class EndedJobs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ended_jobs",
                schema: "logs",
                columns: table => new
                {
                    job_id = table.Column<Guid>(type: "uuid", nullable: false),
                    ended_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ended_jobs", x => x.job_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ended_jobs_ended_at",
                schema: "logs",
                table: "ended_jobs",
                column: "ended_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ended_jobs",
                schema: "logs");
        }
    }
}
