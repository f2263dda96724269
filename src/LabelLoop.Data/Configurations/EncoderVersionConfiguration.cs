using LabelLoop.Core.Models;
using LabelLoop.Core.Projects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LabelLoop.Data.Configurations;

internal sealed class EncoderVersionConfiguration : IEntityTypeConfiguration<EncoderVersion>
{
    public void Configure(EntityTypeBuilder<EncoderVersion> builder)
    {
        builder.Property(e => e.ArtifactPath).HasMaxLength(512);
        builder.Property(e => e.MetricsJson).HasColumnType("text");
        builder.HasIndex(e => new { e.ProjectId, e.Version }).IsUnique();
        builder.HasIndex(e => e.ProjectId).IsUnique().HasFilter("\"IsActive\"").HasDatabaseName("IX_EncoderVersions_ProjectId_Active");
        builder.HasOne<Project>().WithMany().HasForeignKey(e => e.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}
