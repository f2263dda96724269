using LabelLoop.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LabelLoop.Migrations
{
    /// <summary>
    /// Text projects choose their model (existing ones move to the linear model, the new default); every project may
    /// fix its training steps (0, the default, grows them with the label count).
    /// </summary>
    [DbContext(typeof(LabelLoopDbContext))]
    [Migration("20261205100000_TrainingDefaults")]
    public partial class TrainingDefaults : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "TextModel", table: "Projects", type: "character varying(16)", maxLength: 16, nullable: false, defaultValue: "Linear");
            migrationBuilder.Sql("ALTER TABLE \"Projects\" ALTER COLUMN \"TextModel\" DROP DEFAULT;");
            migrationBuilder.AddColumn<int>(name: "TrainingSteps", table: "Projects", type: "integer", nullable: false, defaultValue: 0);
            migrationBuilder.Sql("ALTER TABLE \"Projects\" ALTER COLUMN \"TrainingSteps\" DROP DEFAULT;");
        }

        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(name: "TextModel", table: "Projects");
            migrationBuilder.DropColumn(name: "TrainingSteps", table: "Projects");
        }
    }
}
