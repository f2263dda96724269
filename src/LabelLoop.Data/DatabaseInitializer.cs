using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LabelLoop.Data;

/// <summary>
/// Applies the migrations at start-up, creating the database when it does not exist. Other hosted services
/// registered after it start once it has finished.
/// </summary>
public sealed class DatabaseInitializer(IDbContextFactory<LabelLoopDbContext> contextFactory, ILogger<DatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        await CreateDatabaseIfMissingAsync(context.Database.GetConnectionString()!, cancellationToken);
        var strategy = context.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            await context.Database.MigrateAsync(cancellationToken);
            var applied = await context.Database.GetAppliedMigrationsAsync(cancellationToken);
            logger.LogInformation("Database {Database} is at migration {Migration}", context.Database.GetDbConnection().Database, applied.LastOrDefault());
        });
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // EF's own existence probe logs a connection failure at error level on every first run; asking the
    // server's catalogue first keeps a fresh start quiet.
    private async Task CreateDatabaseIfMissingAsync(string connectionString, CancellationToken cancellationToken)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var name = target.Database ?? throw new InvalidOperationException("The connection string names no database.");
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
