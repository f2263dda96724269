using LabelLoop.Testing;
using Npgsql;
using Xunit;

namespace LabelLoop.Data.Tests;

/// <summary>
/// The migrations are written by hand; this proves they build exactly the schema the EF model describes.
/// The only place in the code base where <c>EnsureCreated</c> is allowed.
/// </summary>
public sealed class SchemaEquivalenceTests
{
    [Fact]
    public async Task Migrated_schema_matches_the_model()
    {
        await using var migrated = await TempDatabase.CreateMigratedAsync();
        await using var created = await TempDatabase.CreateAsync();
        await using (var context = created.CreateContext())
        {
            await context.Database.EnsureCreatedAsync(TestContext.Current.CancellationToken);
        }

        var expected = await DescribeAsync(created.ConnectionString);
        var actual = await DescribeAsync(migrated.ConnectionString);

        var missing = expected.Except(actual).Select(l => "missing in migrations: " + l);
        var extra = actual.Except(expected).Select(l => "only in migrations:    " + l);
        var differences = missing.Concat(extra).Order(StringComparer.Ordinal).ToList();
        Assert.True(differences.Count == 0, "Schema differs:\n" + string.Join('\n', differences));
    }

    [Fact]
    public async Task Migrations_apply_twice_without_error()
    {
        await using var db = await TempDatabase.CreateMigratedAsync();
        await db.MigrateAsync();
    }

    private static async Task<HashSet<string>> DescribeAsync(string connectionString)
    {
        var lines = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        async Task Collect(string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var values = new object[reader.FieldCount];
                reader.GetValues(values);
                lines.Add(string.Join(" | ", values.Select(v => v is DBNull ? "null" : v.ToString())));
            }
        }

        await Collect("""
            SELECT 'column', table_name, column_name, data_type, character_maximum_length, is_nullable, column_default, is_identity, udt_name
            FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name <> '__EFMigrationsHistory'
            """);
        await Collect("""
            SELECT 'index', tablename, indexname, indexdef
            FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '__EFMigrationsHistory'
            """);
        await Collect("""
            SELECT 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid)
            FROM pg_constraint
            WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '"__EFMigrationsHistory"'
            """);
        return lines;
    }
}
