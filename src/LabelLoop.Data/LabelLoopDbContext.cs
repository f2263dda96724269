using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Models;
using LabelLoop.Core.Predictions;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Accounts;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

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

    public DbSet<JobRun> JobRuns => Set<JobRun>();

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(LabelLoopDbContext).Assembly);
    }
}
