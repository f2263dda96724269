using LabelLoop.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LabelLoop.Testing;

/// <summary>
/// A uniquely named PostgreSQL database on the local server, created on construction and dropped on
/// dispose. <see cref="MigrateAsync"/> applies the real migrations. Server: <c>LABELLOOP_TEST_PG</c>
/// (an Npgsql connection string without a database) or the local socket.
/// </summary>
public sealed class TempDatabase : IAsyncDisposable
{
    private static readonly string ServerConnectionString =
        Environment.GetEnvironmentVariable("LABELLOOP_TEST_PG") ?? "Host=/var/run/postgresql";

    private TempDatabase(string name)
    {
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    /// <summary>Creates an empty database named <c>labelloop_test_&lt;random&gt;</c>.</summary>
    public static async Task<TempDatabase> CreateAsync()
    {
        var name = $"labelloop_test_{Guid.NewGuid():N}"[..40];
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return new TempDatabase(name);
    }

    /// <summary>Creates a database and applies every migration.</summary>
    public static async Task<TempDatabase> CreateMigratedAsync()
    {
        var db = await CreateAsync();
        await db.MigrateAsync();
        return db;
    }

    public DbContextOptions<LabelLoopDbContext> Options =>
        (DbContextOptions<LabelLoopDbContext>)LabelLoopDbContext.Configure(new DbContextOptionsBuilder<LabelLoopDbContext>(), ConnectionString).Options;

    public LabelLoopDbContext CreateContext() => new(Options);

    public IDbContextFactory<LabelLoopDbContext> ContextFactory => new Factory(this);

    public async Task MigrateAsync()
    {
        await using var context = CreateContext();
        await context.Database.MigrateAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private sealed class Factory(TempDatabase db) : IDbContextFactory<LabelLoopDbContext>
    {
        public LabelLoopDbContext CreateDbContext() => db.CreateContext();
    }
}
