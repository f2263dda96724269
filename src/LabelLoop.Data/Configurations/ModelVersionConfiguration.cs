using LabelLoop.Core.Models;
using LabelLoop.Core.Projects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LabelLoop.Data.Configurations;

internal sealed class ModelVersionConfiguration : IEntityTypeConfiguration<ModelVersion>
{
    public void Configure(EntityTypeBuilder<ModelVersion> builder)
    {
        builder.Property(m => m.ArtifactPath).HasMaxLength(512);
        builder.Property(m => m.Strategy).HasMaxLength(64);
        builder.Property(m => m.MetricsJson).HasColumnType("text");
        builder.HasIndex(m => new { m.ProjectId, m.Version }).IsUnique();
        // At most one active version per project: a switch that would leave two fails instead.
        builder.HasIndex(m => m.ProjectId).IsUnique().HasFilter("\"IsActive\"").HasDatabaseName("IX_ModelVersions_ProjectId_Active");
        builder.HasOne<Project>().WithMany().HasForeignKey(m => m.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}
