using System;
using LabelLoop.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace LabelLoop.Migrations
{
    /// <summary>Item leases for the workspace, the lease length setting, idempotency keys on annotations.</summary>
    [DbContext(typeof(LabelLoopDbContext))]
    [Migration("20261121113000_Leasing")]
    public partial class Leasing : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "LeaseMinutes",
                table: "Projects",
                type: "integer",
                nullable: false,
                defaultValue: 10);

            // The default only fills existing rows; the model has none, and the schema test compares defaults.
            migrationBuilder.Sql("ALTER TABLE \"Projects\" ALTER COLUMN \"LeaseMinutes\" DROP DEFAULT;");

            migrationBuilder.AddColumn<string>(
                name: "IdempotencyKey",
                table: "Annotations",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.DropIndex(
                name: "IX_Annotations_UserId",
                table: "Annotations");

            migrationBuilder.CreateIndex(
                name: "IX_Annotations_UserId_IdempotencyKey",
                table: "Annotations",
                columns: new[] { "UserId", "IdempotencyKey" },
                unique: true,
                filter: "\"IdempotencyKey\" IS NOT NULL");

            migrationBuilder.CreateTable(
                name: "ItemLeases",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ProjectId = table.Column<int>(type: "integer", nullable: false),
                    ItemId = table.Column<long>(type: "bigint", nullable: false),
                    UserId = table.Column<string>(type: "text", nullable: false),
                    LeasedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ExpiresUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    PredictionId = table.Column<long>(type: "bigint", nullable: true),
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ItemLeases", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ItemLeases_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ItemLeases_Items_ItemId",
                        column: x => x.ItemId,
                        principalTable: "Items",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ItemLeases_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ItemLeases_ItemId_UserId",
                table: "ItemLeases",
                columns: new[] { "ItemId", "UserId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ItemLeases_ProjectId",
                table: "ItemLeases",
                column: "ProjectId");

            migrationBuilder.CreateIndex(
                name: "IX_ItemLeases_UserId_ProjectId_ExpiresUtc",
                table: "ItemLeases",
                columns: new[] { "UserId", "ProjectId", "ExpiresUtc" });
        }

        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(name: "ItemLeases");

            migrationBuilder.DropIndex(
                name: "IX_Annotations_UserId_IdempotencyKey",
                table: "Annotations");

            migrationBuilder.CreateIndex(
                name: "IX_Annotations_UserId",
                table: "Annotations",
                column: "UserId");

            migrationBuilder.DropColumn(name: "IdempotencyKey", table: "Annotations");

            migrationBuilder.DropColumn(name: "LeaseMinutes", table: "Projects");
        }
    }
}
