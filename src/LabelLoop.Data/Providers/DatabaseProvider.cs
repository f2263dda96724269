namespace LabelLoop.Data.Providers;

/// <summary>The database engines LabelLoop runs on: SQLite embedded (the default), PostgreSQL for scale-out.</summary>
public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}
