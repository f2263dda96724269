using LabelLoop.Data.Providers;
using Xunit;

namespace LabelLoop.Data.Tests.Storage;

/// <summary>Which database <c>--db</c>, <c>--db-provider</c> and the data folder select.</summary>
public sealed class DatabaseSettingsTests
{
    [Fact]
    public void Nothing_given_selects_the_sqlite_file_in_the_data_folder()
    {
        var settings = DatabaseSettings.Resolve(null, null, "/srv/labelloop/data");
        Assert.Equal(DatabaseProvider.Sqlite, settings.Provider);
        Assert.Equal("/srv/labelloop/data/labelloop.db", settings.SqliteFile);
    }

    [Theory]
    [InlineData("/tmp/x/labels.db", "/tmp/x/labels.db")]
    [InlineData("Data Source=/tmp/x/labels.db", "/tmp/x/labels.db")]
    [InlineData("Data Source=/tmp/x/labels.db;Cache=Shared", "/tmp/x/labels.db")]
    public void A_path_or_data_source_selects_sqlite(string db, string file)
    {
        var settings = DatabaseSettings.Resolve(db, null, "data");
        Assert.Equal(DatabaseProvider.Sqlite, settings.Provider);
        Assert.Equal(file, settings.SqliteFile);
    }

    [Fact]
    public void A_relative_path_is_taken_from_the_working_folder()
    {
        var settings = DatabaseSettings.Resolve("some/labels.db", null, "data");
        Assert.Equal(Path.GetFullPath("some/labels.db"), settings.SqliteFile);
    }

    [Theory]
    [InlineData("Host=/var/run/postgresql;Database=labelloop")]
    [InlineData("Server=db.internal;Port=5432;Database=labelloop;Username=ll;Password=secret")]
    public void A_postgres_string_selects_postgres(string db)
    {
        var settings = DatabaseSettings.Resolve(db, null, "data");
        Assert.Equal(DatabaseProvider.Postgres, settings.Provider);
        Assert.Null(settings.SqliteFile);
    }

    [Fact]
    public void The_provider_option_forces_sqlite_for_a_path_with_an_equals_sign_free_name()
    {
        var settings = DatabaseSettings.Resolve("labels.db", "sqlite", "data");
        Assert.Equal(DatabaseProvider.Sqlite, settings.Provider);
    }

    [Theory]
    [InlineData("Colour=blue;Shape=round", "neither a SQLite file")]
    [InlineData("Host=/var/run/postgresql", "names no Database")]
    [InlineData("Data Source=", "names no Data Source")]
    public void A_string_that_is_neither_is_refused_with_a_message_naming_it(string db, string message)
    {
        var error = Assert.Throws<DatabaseConfigurationException>(() => DatabaseSettings.Resolve(db, null, "data"));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_provider_is_refused()
    {
        var error = Assert.Throws<DatabaseConfigurationException>(() => DatabaseSettings.Resolve(null, "oracle", "data"));
        Assert.Contains("oracle", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_forced_without_a_connection_string_is_refused()
    {
        Assert.Throws<DatabaseConfigurationException>(() => DatabaseSettings.Resolve(null, "postgres", "data"));
    }

    [Fact]
    public void A_folder_is_refused_as_a_database_file()
    {
        var error = Assert.Throws<DatabaseConfigurationException>(() => DatabaseSettings.Resolve(Path.GetTempPath(), null, "data"));
        Assert.Contains("is a folder", error.Message, StringComparison.Ordinal);
    }
}
