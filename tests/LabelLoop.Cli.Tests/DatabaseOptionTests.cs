using LabelLoop.Testing;
using Xunit;

namespace LabelLoop.Cli.Tests;

/// <summary><c>--db</c> and <c>--db-provider</c>: an unusable database is exit code 3 with a message naming the problem.</summary>
public sealed class DatabaseOptionTests(CliFixture cli) : IClassFixture<CliFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string Email() => $"db-{Guid.NewGuid():N}@example.org";

    [Fact]
    public async Task Help_explains_both_providers()
    {
        var result = await cli.RunAsync("--help");
        Assert.Contains("--db-provider", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("SQLite", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_db_that_is_neither_sqlite_nor_postgres_exits_3_naming_it()
    {
        var result = await cli.RunAsync("users", "add", "--email", Email(), "--password", "Passw0rd-long", "--role", "annotator", "--db", "Colour=blue;Shape=round");
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("Colour=blue;Shape=round", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("neither a SQLite file", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_provider_exits_3()
    {
        var result = await cli.RunAsync("users", "add", "--email", Email(), "--password", "Passw0rd-long", "--role", "annotator", "--db-provider", "oracle");
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("oracle", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_exits_3_and_is_left_as_it_was()
    {
        using var folder = new TempDirectory();
        var file = Path.Combine(folder.Path, "notes.db");
        var content = string.Concat(Enumerable.Repeat("these are not database pages\n", 400));
        await File.WriteAllTextAsync(file, content, Cancel);

        var result = await cli.RunAsync("users", "add", "--email", Email(), "--password", "Passw0rd-long", "--role", "annotator", "--db", file);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("not a usable SQLite database", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(content, await File.ReadAllTextAsync(file, Cancel));
    }

    [Fact]
    public async Task A_missing_sqlite_file_is_created_and_migrated()
    {
        using var folder = new TempDirectory();
        var file = Path.Combine(folder.Path, "new", "labels.db");
        var result = await cli.RunAsync("users", "add", "--email", Email(), "--password", "Passw0rd-long", "--role", "annotator", "--db", file);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(file));
    }

    [Fact]
    public async Task A_worker_on_sqlite_exits_3_saying_it_needs_postgres()
    {
        using var folder = new TempDirectory();
        var result = await cli.RunAsync("worker", "--db", Path.Combine(folder.Path, "labels.db"));
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("needs a PostgreSQL database", result.Stderr, StringComparison.Ordinal);
    }
}
