using LabelLoop.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LabelLoop.Migrations
{
    /// <summary>The audit sample (a project's share of random picks, and which items were picked) and the cold start setting.</summary>
    [DbContext(typeof(LabelLoopDbContext))]
    [Migration("20261123120000_AuditSample")]
    public partial class AuditSample : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(name: "AuditPercent", table: "Projects", type: "integer", nullable: false, defaultValue: 5);
            migrationBuilder.AddColumn<int>(name: "ColdStartLabelsPerClass", table: "Projects", type: "integer", nullable: false, defaultValue: 3);
            migrationBuilder.AddColumn<bool>(name: "IsAudit", table: "Items", type: "boolean", nullable: false, defaultValue: false);
            // The defaults only fill existing rows; the model has none, and the schema test compares defaults.
            migrationBuilder.Sql("ALTER TABLE \"Projects\" ALTER COLUMN \"AuditPercent\" DROP DEFAULT;");
            migrationBuilder.Sql("ALTER TABLE \"Projects\" ALTER COLUMN \"ColdStartLabelsPerClass\" DROP DEFAULT;");
            migrationBuilder.Sql("ALTER TABLE \"Items\" ALTER COLUMN \"IsAudit\" DROP DEFAULT;");
        }

        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(name: "IsAudit", table: "Items");
            migrationBuilder.DropColumn(name: "ColdStartLabelsPerClass", table: "Projects");
            migrationBuilder.DropColumn(name: "AuditPercent", table: "Projects");
        }
    }
}
