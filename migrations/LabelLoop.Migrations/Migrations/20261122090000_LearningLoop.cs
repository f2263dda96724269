using System;
using LabelLoop.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LabelLoop.Migrations
{
    /// <summary>The learning loop's project settings and bookkeeping; at most one active model version per project.</summary>
    [DbContext(typeof(LabelLoopDbContext))]
    [Migration("20261122090000_LearningLoop")]
    public partial class LearningLoop : Migration
    {
        private static readonly (string Name, int Default)[] IntColumns =
        [
            ("RetrainEvery", 20),
            ("RetrainGrowthPercent", 0),
            ("RetrainIntervalMinutes", 0),
            ("CommitteeSize", 5),
            ("LoopLabelCount", 0),
        ];

        protected override void Up(MigrationBuilder migrationBuilder)
        {
            foreach (var (name, value) in IntColumns)
            {
                migrationBuilder.AddColumn<int>(name: name, table: "Projects", type: "integer", nullable: false, defaultValue: value);
                // The default only fills existing rows; the model has none, and the schema test compares defaults.
                migrationBuilder.Sql($"ALTER TABLE \"Projects\" ALTER COLUMN \"{name}\" DROP DEFAULT;");
            }

            migrationBuilder.AddColumn<string>(
                name: "Strategy",
                table: "Projects",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "margin");
            migrationBuilder.Sql("ALTER TABLE \"Projects\" ALTER COLUMN \"Strategy\" DROP DEFAULT;");

            migrationBuilder.AddColumn<DateTime>(
                name: "LoopEnqueuedUtc",
                table: "Projects",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_ModelVersions_ProjectId_Active",
                table: "ModelVersions",
                column: "ProjectId",
                unique: true,
                filter: "\"IsActive\"");
        }

        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(name: "IX_ModelVersions_ProjectId_Active", table: "ModelVersions");
            migrationBuilder.DropColumn(name: "LoopEnqueuedUtc", table: "Projects");
            migrationBuilder.DropColumn(name: "Strategy", table: "Projects");
            foreach (var (name, _) in IntColumns)
            {
                migrationBuilder.DropColumn(name: name, table: "Projects");
            }
        }
    }
}
