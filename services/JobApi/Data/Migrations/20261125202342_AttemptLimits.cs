using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Jobs.JobApi.Data.Migrations
{
    /// <inheritdoc />
    public partial class AttemptLimits : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<List<string>>(
                name: "enforced_limits",
                schema: "jobapi",
                table: "attempts",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'");

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
                name: "enforced_limits",
                schema: "jobapi",
                table: "attempts");

            migrationBuilder.DropColumn(
                name: "unenforced_limits",
                schema: "jobapi",
                table: "attempts");
        }
    }
}
