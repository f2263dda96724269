using System;
using LabelLoop.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace LabelLoop.Migrations
{
    /// <summary>Self-supervised pretraining: the project's settings for it, and its encoder versions.</summary>
    [DbContext(typeof(LabelLoopDbContext))]
    [Migration("20261123130000_Pretraining")]
    public partial class Pretraining : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(name: "PretrainEnabled", table: "Projects", type: "boolean", nullable: false, defaultValue: true);
            migrationBuilder.Sql("ALTER TABLE \"Projects\" ALTER COLUMN \"PretrainEnabled\" DROP DEFAULT;");
            migrationBuilder.AddColumn<string>(
                name: "FineTuneMode", table: "Projects", type: "character varying(16)", maxLength: 16, nullable: false, defaultValue: "FineTune");
            migrationBuilder.Sql("ALTER TABLE \"Projects\" ALTER COLUMN \"FineTuneMode\" DROP DEFAULT;");
            migrationBuilder.AddColumn<int>(name: "PretrainItemCount", table: "Projects", type: "integer", nullable: false, defaultValue: 0);
            migrationBuilder.Sql("ALTER TABLE \"Projects\" ALTER COLUMN \"PretrainItemCount\" DROP DEFAULT;");

            migrationBuilder.CreateTable(
                name: "EncoderVersions",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ProjectId = table.Column<int>(type: "integer", nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false),
                    ArtifactPath = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    ItemCount = table.Column<int>(type: "integer", nullable: false),
                    MetricsJson = table.Column<string>(type: "text", nullable: false),
                    IsActive = table.Column<bool>(type: "boolean", nullable: false),
                    JobRunId = table.Column<long>(type: "bigint", nullable: true),
                    CreatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_EncoderVersions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_EncoderVersions_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });
            migrationBuilder.CreateIndex(
                name: "IX_EncoderVersions_ProjectId_Version",
                table: "EncoderVersions",
                columns: ["ProjectId", "Version"],
                unique: true);
            migrationBuilder.CreateIndex(
                name: "IX_EncoderVersions_ProjectId_Active",
                table: "EncoderVersions",
                column: "ProjectId",
                unique: true,
                filter: "\"IsActive\"");
        }

        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(name: "EncoderVersions");
            migrationBuilder.DropColumn(name: "PretrainItemCount", table: "Projects");
            migrationBuilder.DropColumn(name: "FineTuneMode", table: "Projects");
            migrationBuilder.DropColumn(name: "PretrainEnabled", table: "Projects");
        }
    }
}
