using LabelLoop.Core.Projects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LabelLoop.Data.Configurations;

internal sealed class LabelClassConfiguration : IEntityTypeConfiguration<LabelClass>
{
    public void Configure(EntityTypeBuilder<LabelClass> builder)
    {
        builder.Property(l => l.Name).HasMaxLength(LabelClass.MaxNameLength);
        builder.Property(l => l.Hotkey).HasMaxLength(1);
        builder.Property(l => l.Color).HasMaxLength(7);
        builder.HasIndex(l => new { l.ProjectId, l.Name }).IsUnique();
    }
}
