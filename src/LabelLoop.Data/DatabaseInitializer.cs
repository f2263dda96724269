using LabelLoop.Data.Providers;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LabelLoop.Data;

/// <summary>
/// Applies the migrations at start-up, creating the database when it does not exist (the SQLite file and its folder,
/// or the PostgreSQL database on its server). Other hosted services registered after it start once it has finished.
/// A database that cannot be used (a read-only or corrupt file, an unreachable server, a schema from a newer
/// LabelLoop) stops the host with a <see cref="DatabaseConfigurationException"/> naming the problem, before anything
/// is migrated.
/// </summary>
public sealed class DatabaseInitializer(
    IDbContextFactory<LabelLoopDbContext> contextFactory, DatabaseSettings settings, ILogger<DatabaseInitializer> logger) : IHostedService
{
    // SQLite result codes (https://sqlite.org/rescode.html).
    private const int SqliteCantOpen = 14;
    private const int SqliteReadOnly = 8;
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;
    private const int SqliteFull = 13;
    private const int SqliteIoError = 10;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await MigrateAsync(cancellationToken);
        }
        catch (SqliteException ex)
        {
            throw new DatabaseConfigurationException(DescribeSqlite(ex), ex);
        }
        catch (NpgsqlException ex)
        {
            throw new DatabaseConfigurationException(
                $"cannot use the database ({ex.Message}). Is the PostgreSQL server running, and does --db name it?", ex);
        }
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        if (settings.Provider == DatabaseProvider.Sqlite)
        {
            PrepareSqliteFile();
        }
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (settings.Provider == DatabaseProvider.Postgres)
        {
            await CreatePostgresDatabaseIfMissingAsync(context.Database.GetConnectionString()!, cancellationToken);
        }
        else
        {
            // The journal mode is kept in the file: readers never block the writer, and a commit appends to the log.
            await context.Database.OpenConnectionAsync(cancellationToken);
            await context.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL", cancellationToken);
        }
        await RefuseNewerSchemaAsync(context, cancellationToken);
        var strategy = context.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            await context.Database.MigrateAsync(cancellationToken);
            var applied = await context.Database.GetAppliedMigrationsAsync(cancellationToken);
            logger.LogInformation("Database {Database} ({Provider}) is at migration {Migration}",
                settings.SqliteFile ?? context.Database.GetDbConnection().Database, settings.Provider, applied.LastOrDefault());
        });
    }

    /// <summary>A database that holds migrations this build does not know was made by a newer LabelLoop: leave it alone.</summary>
    private static async Task RefuseNewerSchemaAsync(LabelLoopDbContext context, CancellationToken cancellationToken)
    {
        var known = context.Database.GetMigrations().ToHashSet(StringComparer.Ordinal);
        var history = context.GetService<IHistoryRepository>();
        if (!await history.ExistsAsync(cancellationToken))
        {
            return;
        }
        var unknown = (await context.Database.GetAppliedMigrationsAsync(cancellationToken)).Where(m => !known.Contains(m)).ToList();
        if (unknown.Count > 0)
        {
            throw new DatabaseConfigurationException(
                $"the database was migrated by a newer LabelLoop (migration {unknown[^1]} is unknown to this version); run that version, or use another database.");
        }
    }

    private void PrepareSqliteFile()
    {
        var file = settings.SqliteFile!;
        if (file == ":memory:")
        {
            return;
        }
        var folder = Path.GetDirectoryName(file);
        if (!string.IsNullOrEmpty(folder))
        {
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new DatabaseConfigurationException($"cannot create the folder of the SQLite database {file}: {ex.Message}", ex);
            }
        }
        if (File.Exists(file) && (File.GetAttributes(file) & FileAttributes.ReadOnly) != 0)
        {
            throw new DatabaseConfigurationException($"the SQLite database {file} is read-only; LabelLoop needs to write to it.");
        }
    }

    private string DescribeSqlite(SqliteException ex)
    {
        var file = settings.SqliteFile;
        return ex.SqliteErrorCode switch
        {
            SqliteReadOnly => $"the SQLite database {file} is read-only (or its folder is); LabelLoop needs to write to it and its -wal file.",
            SqliteCantOpen => $"cannot open the SQLite database {file}: check that its folder exists and is writable.",
            SqliteCorrupt or SqliteNotADatabase => $"{file} is not a usable SQLite database (it is corrupt or another kind of file).",
            SqliteFull => $"the disk holding the SQLite database {file} is full.",
            SqliteIoError => $"cannot read or write the SQLite database {file} (I/O error: {ex.Message}).",
            _ => $"cannot use the SQLite database {file} ({ex.Message}).",
        };
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // EF's own existence probe logs a connection failure at error level on every first run; asking the
    // server's catalogue first keeps a fresh start quiet.
    private async Task CreatePostgresDatabaseIfMissingAsync(string connectionString, CancellationToken cancellationToken)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var name = target.Database ?? throw new DatabaseConfigurationException("The PostgreSQL connection string names no database.");
        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", name);
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
        {
            return;
        }
        logger.LogInformation("Creating database {Database}", name);
        var quoted = "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another node created it between the check and the create.
        }
    }
}
