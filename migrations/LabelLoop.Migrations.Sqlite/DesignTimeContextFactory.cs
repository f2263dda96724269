using LabelLoop.Data;
using LabelLoop.Data.Providers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LabelLoop.Migrations.Sqlite;

/// <summary>The context <c>dotnet ef</c> builds migrations for: the one model on SQLite (no database is opened).</summary>
public sealed class DesignTimeContextFactory : IDesignTimeDbContextFactory<LabelLoopDbContext>
{
    public LabelLoopDbContext CreateDbContext(string[] args)
    {
        var settings = DatabaseSettings.Resolve("Data Source=design-time.db", "sqlite", ".");
        return new LabelLoopDbContext((DbContextOptions<LabelLoopDbContext>)LabelLoopDbContext.Configure(new DbContextOptionsBuilder<LabelLoopDbContext>(), settings).Options);
    }
}
