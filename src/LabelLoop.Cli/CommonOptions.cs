using LabelLoop.Data;
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

    public static readonly Option<string> Db = new("--db")
    {
        Description = "Npgsql connection string; a database that does not exist yet is created and migrated",
        DefaultValueFactory = _ => DataServiceCollectionExtensions.DefaultConnectionString,
        Recursive = true,
    };

    /// <summary>Configuration keys the host reads, from the parsed options.</summary>
    public static Dictionary<string, string?> ToConfiguration(ParseResult parse) => new()
    {
        ["ConnectionStrings:LabelLoop"] = parse.GetValue(Db),
        ["DataDir"] = parse.GetValue(DataDir),
    };
}
