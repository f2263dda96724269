using LabelLoop.Data.Providers;

namespace LabelLoop.Testing;

/// <summary><see cref="LabelLoopDataFixture"/> on a throwaway PostgreSQL database.</summary>
public sealed class PostgresDataFixture() : LabelLoopDataFixture(DatabaseProvider.Postgres);
