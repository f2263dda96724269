using LabelLoop.Core.Projects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LabelLoop.Data.Configurations;

internal sealed class ProjectConfiguration : IEntityTypeConfiguration<Project>
{
    public void Configure(EntityTypeBuilder<Project> builder)
    {
        builder.Property(p => p.Name).HasMaxLength(Project.MaxNameLength);
        builder.HasIndex(p => p.Name).IsUnique();
        builder.Property(p => p.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(p => p.Strategy).HasMaxLength(64);
        builder.Property(p => p.FineTuneMode).HasConversion<string>().HasMaxLength(16);
        builder.Property(p => p.ImageColour).HasConversion<string>().HasMaxLength(16);
        builder.Property(p => p.TextModel).HasConversion<string>().HasMaxLength(16);
        builder.HasMany(p => p.Labels).WithOne().HasForeignKey(l => l.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(p => p.Members).WithOne().HasForeignKey(m => m.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}
