using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LabelLoop.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class WarmStart : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "WarmStart",
                table: "Projects",
                type: "boolean",
                nullable: false,
                defaultValue: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "WarmStart",
                table: "Projects");
        }
    }
}
