using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LabelLoop.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class JobRunHeartbeat : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "BackgroundJobId",
                table: "JobRuns",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "HeartbeatUtc",
                table: "JobRuns",
                type: "timestamp with time zone",
                nullable: true);

            // Jobs moved from Quartz to Hangfire (its own "hangfire" schema): drop the tables Quartz created beside ours.
            migrationBuilder.Sql("""
                DO $$
                DECLARE t text;
                BEGIN
                    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'qrtz\_%' LOOP
                        EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', t);
                    END LOOP;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "BackgroundJobId",
                table: "JobRuns");

            migrationBuilder.DropColumn(
                name: "HeartbeatUtc",
                table: "JobRuns");
        }
    }
}
