using LabelLoop.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LabelLoop.Migrations
{
    /// <summary>Indexes for the workspace's hot path: the open-item walk and an annotator's own counts.</summary>
    [DbContext(typeof(LabelLoopDbContext))]
    [Migration("20261122100000_WorkspaceIndexes")]
    public partial class WorkspaceIndexes : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Items_Unlabeled_ProjectId_ContentHash",
                table: "Items",
                columns: new[] { "ProjectId", "ContentHash" },
                filter: "\"Status\" = 'Unlabeled'");

            migrationBuilder.CreateIndex(
                name: "IX_Annotations_UserId_ProjectId_CreatedUtc",
                table: "Annotations",
                columns: new[] { "UserId", "ProjectId", "CreatedUtc" });
        }

        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(name: "IX_Annotations_UserId_ProjectId_CreatedUtc", table: "Annotations");
            migrationBuilder.DropIndex(name: "IX_Items_Unlabeled_ProjectId_ContentHash", table: "Items");
        }
    }
}
