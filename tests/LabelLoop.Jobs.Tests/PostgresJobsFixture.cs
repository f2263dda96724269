using LabelLoop.Data.Providers;

namespace LabelLoop.Jobs.Tests;

/// <summary><see cref="JobsFixture"/> on PostgreSQL: what several nodes (workers, web nodes) share.</summary>
public sealed class PostgresJobsFixture : JobsFixture
{
    protected override DatabaseProvider? Provider => DatabaseProvider.Postgres;
}

/// <summary><see cref="RunningJobsFixture"/> on PostgreSQL: Hangfire's shared storage in its own schema.</summary>
public sealed class RunningPostgresJobsFixture : JobsFixture
{
    protected override DatabaseProvider? Provider => DatabaseProvider.Postgres;

    protected override IDictionary<string, string?> Settings => RunningJobsFixture.RunningSettings;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await StartAsync();
    }
}
