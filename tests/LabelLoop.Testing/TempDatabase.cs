using LabelLoop.Data;
using LabelLoop.Data.Providers;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LabelLoop.Testing;

/// <summary>
/// A fresh, uniquely named database, removed on dispose. SQLite (the default) is a file under the temporary folder;
/// PostgreSQL is a <c>labelloop_test_*</c> database on the local server, created on construction and dropped on
/// dispose. <see cref="MigrateAsync"/> applies the real migrations. The default provider is SQLite unless
/// <c>LABELLOOP_TEST_PROVIDER=postgres</c>; tests of the provider seams ask for each provider by name. PostgreSQL
/// server: <c>LABELLOOP_TEST_PG</c> (an Npgsql connection string without a database) or the local socket.
/// </summary>
public sealed class TempDatabase : IAsyncDisposable
{
    private static readonly string ServerConnectionString =
        Environment.GetEnvironmentVariable("LABELLOOP_TEST_PG") ?? "Host=/var/run/postgresql";

    private TempDatabase(string name, DatabaseSettings settings)
    {
        Name = name;
        Settings = settings;
    }

    /// <summary>The provider tests get when they do not name one.</summary>
    public static DatabaseProvider DefaultProvider =>
        string.Equals(Environment.GetEnvironmentVariable("LABELLOOP_TEST_PROVIDER"), "postgres", StringComparison.OrdinalIgnoreCase)
            ? DatabaseProvider.Postgres
            : DatabaseProvider.Sqlite;

    public string Name { get; }

    public DatabaseSettings Settings { get; }

    public DatabaseProvider Provider => Settings.Provider;

    public string ConnectionString => Settings.ConnectionString;

    /// <summary>Creates an empty database named <c>labelloop_test_&lt;random&gt;</c>.</summary>
    public static async Task<TempDatabase> CreateAsync(DatabaseProvider? provider = null)
    {
        var name = $"labelloop_test_{Guid.NewGuid():N}"[..40];
        if ((provider ?? DefaultProvider) == DatabaseProvider.Sqlite)
        {
            var folder = Path.Combine(Path.GetTempPath(), "labelloop-tests");
            Directory.CreateDirectory(folder);
            return new TempDatabase(name, DatabaseSettings.Resolve(Path.Combine(folder, name + ".db"), "sqlite", folder));
        }
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        var database = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name, Pooling = true }.ConnectionString;
        return new TempDatabase(name, DatabaseSettings.Resolve(database, "postgres", "."));
    }

    /// <summary>Creates a database and applies every migration.</summary>
    public static async Task<TempDatabase> CreateMigratedAsync(DatabaseProvider? provider = null)
    {
        var db = await CreateAsync(provider);
        await db.MigrateAsync();
        return db;
    }

    public DbContextOptions<LabelLoopDbContext> Options =>
        (DbContextOptions<LabelLoopDbContext>)LabelLoopDbContext.Configure(new DbContextOptionsBuilder<LabelLoopDbContext>(), Settings).Options;

    public LabelLoopDbContext CreateContext() => new(Options);

    public IDbContextFactory<LabelLoopDbContext> ContextFactory => new Factory(this);

    /// <summary>Applies the migrations (on SQLite with the WAL journal, as the server sets it up).</summary>
    public async Task MigrateAsync()
    {
        await using var context = CreateContext();
        if (Provider == DatabaseProvider.Sqlite)
        {
            await context.Database.OpenConnectionAsync();
            await context.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL");
        }
        await context.Database.MigrateAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Provider == DatabaseProvider.Sqlite)
        {
            using (var connection = new SqliteConnection(ConnectionString))
            {
                SqliteConnection.ClearPool(connection);
            }
            var file = Settings.SqliteFile!;
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                try
                {
                    File.Delete(path);
                }
                catch (IOException)
                {
                    // A connection still open elsewhere: the temporary folder is cleared by the OS.
                }
            }
            return;
        }
        NpgsqlConnection.ClearAllPools();
        await using var server = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = "postgres" }.ConnectionString);
        await server.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", server);
        await command.ExecuteNonQueryAsync();
    }

    private sealed class Factory(TempDatabase db) : IDbContextFactory<LabelLoopDbContext>
    {
        public LabelLoopDbContext CreateDbContext() => db.CreateContext();
    }
}
