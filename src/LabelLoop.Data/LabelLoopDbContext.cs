using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Export;
using LabelLoop.Core.Items;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Models;
using LabelLoop.Core.Predictions;
using LabelLoop.Core.Projects;
using LabelLoop.Core.Webhooks;
using LabelLoop.Data.Accounts;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace LabelLoop.Data;

public sealed class LabelLoopDbContext(DbContextOptions<LabelLoopDbContext> options) : IdentityDbContext<LabelLoopUser>(options)
{
    public DbSet<Project> Projects => Set<Project>();

    public DbSet<LabelClass> LabelClasses => Set<LabelClass>();

    public DbSet<ProjectMember> ProjectMembers => Set<ProjectMember>();

    public DbSet<Item> Items => Set<Item>();

    public DbSet<ItemLease> ItemLeases => Set<ItemLease>();

    public DbSet<Annotation> Annotations => Set<Annotation>();

    public DbSet<Prediction> Predictions => Set<Prediction>();

    public DbSet<ModelVersion> ModelVersions => Set<ModelVersion>();

    public DbSet<EncoderVersion> EncoderVersions => Set<EncoderVersion>();

    public DbSet<JobRun> JobRuns => Set<JobRun>();

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    public DbSet<ExportRun> ExportRuns => Set<ExportRun>();

    public DbSet<Webhook> Webhooks => Set<Webhook>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    public DbSet<LoopSettingChange> LoopSettingChanges => Set<LoopSettingChange>();

    /// <summary>
    /// The provider settings every host and test uses: Npgsql, migrations from LabelLoop.Migrations, and no
    /// pending-model-changes check (migrations are hand-written without a snapshot; SchemaEquivalenceTests is
    /// what proves model and migrations agree, STYLE.md §3.6).
    /// </summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString) =>
        options
            .UseNpgsql(WithAutoPrepare(connectionString), npgsql => npgsql.MigrationsAssembly("LabelLoop.Migrations"))
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));

    /// <summary>
    /// Turns on Npgsql's automatic preparation unless the connection string says otherwise: the labeling path runs the
    /// same few dozen statements over and over, and a prepared statement skips the server's parse and plan each time.
    /// </summary>
    internal static string WithAutoPrepare(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase)
            || connectionString.Contains("AutoPrepare", StringComparison.OrdinalIgnoreCase))
        {
            return connectionString;
        }
        builder.MaxAutoPrepare = 100;
        return builder.ConnectionString;
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(LabelLoopDbContext).Assembly);
    }
}
