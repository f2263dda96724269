namespace LabelLoop.Data.Providers;

/// <summary>
/// The database cannot be used as configured: a connection string that is neither a SQLite file nor a PostgreSQL
/// server, a SQLite file that cannot be written or is not a database, a schema from a newer LabelLoop. The message
/// names the problem; hosts turn it into exit code 3.
/// </summary>
public sealed class DatabaseConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
