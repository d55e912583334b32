using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Jobs.JobApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class AttemptLimitsAndUsage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "cpu_microseconds",
                schema: "jobapi",
                table: "attempts",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<List<string>>(
                name: "enforced_limits",
                schema: "jobapi",
                table: "attempts",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'");

            migrationBuilder.AddColumn<long>(
                name: "peak_memory_bytes",
                schema: "jobapi",
                table: "attempts",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<List<string>>(
                name: "unenforced_limits",
                schema: "jobapi",
                table: "attempts",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "cpu_microseconds",
                schema: "jobapi",
                table: "attempts");

            migrationBuilder.DropColumn(
                name: "enforced_limits",
                schema: "jobapi",
                table: "attempts");

            migrationBuilder.DropColumn(
                name: "peak_memory_bytes",
                schema: "jobapi",
                table: "attempts");

            migrationBuilder.DropColumn(
                name: "unenforced_limits",
                schema: "jobapi",
                table: "attempts");
        }
    }
}
