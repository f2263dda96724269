using LabelLoop.Data.Providers;
using System.CommandLine;

namespace LabelLoop.Cli;

/// <summary>Options every command takes.</summary>
public static class CommonOptions
{
    public static readonly Option<string> DataDir = new("--data-dir")
    {
        Description = "Folder for blobs, model checkpoints and exports",
        DefaultValueFactory = _ => "data",
        Recursive = true,
    };

    public static readonly Option<string?> Db = new("--db")
    {
        Description = """
            The database: a SQLite file path or "Data Source=FILE" string (default: DATA_DIR/labelloop.db), or a
            PostgreSQL connection string such as "Host=/var/run/postgresql;Database=labelloop" for scale-out. A database
            that does not exist yet is created and migrated
            """,
        Recursive = true,
    };

    public static readonly Option<string?> DbProvider = new("--db-provider")
    {
        Description = "Force the database provider (sqlite or postgres) instead of telling it from --db",
        Recursive = true,
    };

    /// <summary>Configuration keys the host reads, from the parsed options.</summary>
    public static Dictionary<string, string?> ToConfiguration(ParseResult parse) => new()
    {
        ["ConnectionStrings:LabelLoop"] = parse.GetValue(Db),
        [DatabaseSettings.ProviderKey] = parse.GetValue(DbProvider),
        ["DataDir"] = parse.GetValue(DataDir),
    };
}
