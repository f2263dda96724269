using LabelLoop.Data.Providers;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace LabelLoop.Data.Tests.Storage;

/// <summary>Start-up migration: a fresh file is created and migrated; an unusable database is refused with its reason.</summary>
public sealed class DatabaseInitializerTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static DatabaseInitializer Initializer(TempDatabase database) =>
        new(database.ContextFactory, database.Settings, NullLogger<DatabaseInitializer>.Instance);

    [Fact]
    public async Task A_missing_sqlite_file_and_its_folder_are_created_with_the_wal_journal()
    {
        using var folder = new TempDirectory();
        var file = Path.Combine(folder.Path, "nested", "labelloop.db");
        var settings = DatabaseSettings.Resolve(file, null, folder.Path);
        var options = LabelLoopDbContext.Configure(new DbContextOptionsBuilder<LabelLoopDbContext>(), settings).Options;
        var factory = new Factory((DbContextOptions<LabelLoopDbContext>)options);
        await new DatabaseInitializer(factory, settings, NullLogger<DatabaseInitializer>.Instance).StartAsync(Cancel);

        Assert.True(File.Exists(file));
        await using var context = factory.CreateDbContext();
        Assert.Empty(await context.Database.GetPendingMigrationsAsync(Cancel));
        var journal = await context.Database.SqlQuery<string>($"SELECT journal_mode AS \"Value\" FROM pragma_journal_mode").SingleAsync(Cancel);
        Assert.Equal("wal", journal);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_database_migrated_by_a_newer_version_is_refused_and_left_alone(DatabaseProvider provider)
    {
        await using var database = await TempDatabase.CreateMigratedAsync(provider);
        await using (var context = database.CreateContext())
        {
            await context.Database.ExecuteSqlRawAsync(
                """INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion") VALUES ('29991231000000_FromTheFuture', '99.0.0')""", Cancel);
        }
        var error = await Assert.ThrowsAsync<DatabaseConfigurationException>(() => Initializer(database).StartAsync(Cancel));
        Assert.Contains("newer LabelLoop", error.Message, StringComparison.Ordinal);
        Assert.Contains("29991231000000_FromTheFuture", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_refused_with_its_name()
    {
        await using var database = await TempDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await File.WriteAllTextAsync(database.Settings.SqliteFile!, new string('x', 8192), Cancel);
        var error = await Assert.ThrowsAsync<DatabaseConfigurationException>(() => Initializer(database).StartAsync(Cancel));
        Assert.Contains(database.Settings.SqliteFile!, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a usable SQLite database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_only_file_is_refused_with_its_name()
    {
        await using var database = await TempDatabase.CreateMigratedAsync(DatabaseProvider.Sqlite);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var file = database.Settings.SqliteFile!;
        File.SetAttributes(file, FileAttributes.ReadOnly);
        try
        {
            var error = await Assert.ThrowsAsync<DatabaseConfigurationException>(() => Initializer(database).StartAsync(Cancel));
            Assert.Contains(file, error.Message, StringComparison.Ordinal);
            Assert.Contains("read-only", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }
    }

    private sealed class Factory(DbContextOptions<LabelLoopDbContext> options) : IDbContextFactory<LabelLoopDbContext>
    {
        public LabelLoopDbContext CreateDbContext() => new(options);
    }
}
