using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LabelLoop.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ColdStartOrder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "ColdStartRank",
                table: "Items",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Items_ColdStart_ProjectId_ColdStartRank",
                table: "Items",
                columns: new[] { "ProjectId", "ColdStartRank" },
                filter: "\"ColdStartRank\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Items_ColdStart_ProjectId_ColdStartRank",
                table: "Items");

            migrationBuilder.DropColumn(
                name: "ColdStartRank",
                table: "Items");
        }
    }
}
