using Microsoft.Data.Sqlite;
using Npgsql;

namespace LabelLoop.Data.Providers;

/// <summary>
/// Which database a host uses, from <c>ConnectionStrings:LabelLoop</c> (the CLI's <c>--db</c>) and
/// <c>Database:Provider</c> (<c>--db-provider</c>). A PostgreSQL connection string (<c>Host=...</c>) selects
/// PostgreSQL; a SQLite <c>Data Source=...</c> string or a plain file path selects SQLite; nothing at all selects the
/// SQLite file <c>DATA_DIR/labelloop.db</c>.
/// </summary>
public sealed record DatabaseSettings(DatabaseProvider Provider, string ConnectionString)
{
    /// <summary>The default database's file name under the data folder.</summary>
    public const string DefaultFileName = "labelloop.db";

    /// <summary>Configuration key that forces the provider (<c>sqlite</c> or <c>postgres</c>).</summary>
    public const string ProviderKey = "Database:Provider";

    /// <summary>How long a SQLite writer waits for another's transaction before giving up (milliseconds).</summary>
    public const int SqliteBusyTimeoutMs = 30_000;

    private static readonly string[] PostgresKeys = ["host", "server", "port", "database", "username", "user id", "userid", "password"];

    /// <summary>The SQLite file, for SQLite settings.</summary>
    public string? SqliteFile => Provider == DatabaseProvider.Sqlite ? new SqliteConnectionStringBuilder(ConnectionString).DataSource : null;

    /// <summary>Resolves the settings; throws <see cref="DatabaseConfigurationException"/> naming what is wrong.</summary>
    public static DatabaseSettings Resolve(string? connectionString, string? provider, string dataDir)
    {
        var forced = ParseProvider(provider);
        var value = connectionString?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            if (forced == DatabaseProvider.Postgres)
            {
                throw new DatabaseConfigurationException("--db-provider postgres needs a PostgreSQL connection string in --db (Host=...;Database=...).");
            }
            return Sqlite(Path.Combine(Path.GetFullPath(dataDir), DefaultFileName));
        }
        var detected = Detect(value);
        var chosen = forced ?? detected ?? DatabaseProvider.Sqlite;
        return chosen == DatabaseProvider.Postgres ? Postgres(value) : SqliteFrom(value, detected);
    }

    private static DatabaseProvider? ParseProvider(string? provider) => provider?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => null,
        "sqlite" => DatabaseProvider.Sqlite,
        "postgres" or "postgresql" or "npgsql" => DatabaseProvider.Postgres,
        _ => throw new DatabaseConfigurationException($"Unknown database provider '{provider}': use sqlite or postgres."),
    };

    // A string of key=value pairs whose keys PostgreSQL knows is PostgreSQL; Data Source/Filename is SQLite; anything
    // else is taken for a path.
    private static DatabaseProvider? Detect(string value)
    {
        if (!value.Contains('=', StringComparison.Ordinal))
        {
            return null;
        }
        var keys = value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2)[0].Trim().ToLowerInvariant()).ToList();
        if (keys.Any(k => k is "data source" or "datasource" or "filename" or "mode" or "cache"))
        {
            return DatabaseProvider.Sqlite;
        }
        if (keys.Any(k => PostgresKeys.Contains(k)))
        {
            return DatabaseProvider.Postgres;
        }
        throw new DatabaseConfigurationException(
            $"--db '{value}' is neither a SQLite file (a path or Data Source=FILE) nor a PostgreSQL connection string (Host=...;Database=...).");
    }

    private static DatabaseSettings Postgres(string value)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(value);
            if (string.IsNullOrEmpty(builder.Host))
            {
                throw new DatabaseConfigurationException($"The PostgreSQL connection string '{value}' names no Host.");
            }
            if (string.IsNullOrEmpty(builder.Database))
            {
                throw new DatabaseConfigurationException($"The PostgreSQL connection string '{value}' names no Database.");
            }
            return new DatabaseSettings(DatabaseProvider.Postgres, builder.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new DatabaseConfigurationException($"--db is not a valid PostgreSQL connection string: {ex.Message}", ex);
        }
    }

    private static DatabaseSettings SqliteFrom(string value, DatabaseProvider? detected)
    {
        if (detected is null)
        {
            return Sqlite(Path.GetFullPath(value));
        }
        try
        {
            var builder = new SqliteConnectionStringBuilder(value);
            if (string.IsNullOrWhiteSpace(builder.DataSource))
            {
                throw new DatabaseConfigurationException($"The SQLite connection string '{value}' names no Data Source file.");
            }
            if (builder.DataSource != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
            {
                builder.DataSource = Path.GetFullPath(builder.DataSource);
            }
            return new DatabaseSettings(DatabaseProvider.Sqlite, builder.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new DatabaseConfigurationException($"--db is not a valid SQLite connection string: {ex.Message}", ex);
        }
    }

    private static DatabaseSettings Sqlite(string path)
    {
        if (Directory.Exists(path))
        {
            throw new DatabaseConfigurationException($"--db '{path}' is a folder; give the SQLite database file (for example {Path.Combine(path, DefaultFileName)}).");
        }
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true };
        return new DatabaseSettings(DatabaseProvider.Sqlite, builder.ConnectionString);
    }
}
