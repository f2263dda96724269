using LabelLoop.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LabelLoop.Migrations
{
    /// <summary>
    /// Image projects choose grey or colour models. Existing projects start undecided (null): their next training or
    /// pretraining decides from their images, so colour pools trained in grey until now move to colour.
    /// </summary>
    [DbContext(typeof(LabelLoopDbContext))]
    [Migration("20261124110000_ImageColour")]
    public partial class ImageColour : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ImageColour", table: "Projects", type: "character varying(16)", maxLength: 16, nullable: true);
        }

        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(name: "ImageColour", table: "Projects");
        }
    }
}
