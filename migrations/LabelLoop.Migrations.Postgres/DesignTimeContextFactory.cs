using LabelLoop.Data;
using LabelLoop.Data.Providers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LabelLoop.Migrations.Postgres;

/// <summary>The context <c>dotnet ef</c> builds migrations for: the one model on PostgreSQL (no server is contacted).</summary>
public sealed class DesignTimeContextFactory : IDesignTimeDbContextFactory<LabelLoopDbContext>
{
    public LabelLoopDbContext CreateDbContext(string[] args)
    {
        var settings = DatabaseSettings.Resolve("Host=localhost;Database=labelloop_design", "postgres", ".");
        return new LabelLoopDbContext((DbContextOptions<LabelLoopDbContext>)LabelLoopDbContext.Configure(new DbContextOptionsBuilder<LabelLoopDbContext>(), settings).Options);
    }
}
