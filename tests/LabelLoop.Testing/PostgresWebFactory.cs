using LabelLoop.Data.Providers;

namespace LabelLoop.Testing;

/// <summary><see cref="LabelLoopWebFactory"/> on a throwaway PostgreSQL database.</summary>
public sealed class PostgresWebFactory() : LabelLoopWebFactory(DatabaseProvider.Postgres);
