using LabelLoop.Testing;

namespace LabelLoop.Data.Tests.Labeling;

/// <summary><see cref="LabelingFixture"/> on PostgreSQL.</summary>
public sealed class PostgresLabelingFixture() : LabelingFixture(new PostgresDataFixture());
