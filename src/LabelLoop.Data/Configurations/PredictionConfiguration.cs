using LabelLoop.Core.Items;
using LabelLoop.Core.Models;
using LabelLoop.Core.Predictions;
using LabelLoop.Core.Projects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LabelLoop.Data.Configurations;

internal sealed class PredictionConfiguration : IEntityTypeConfiguration<Prediction>
{
    public void Configure(EntityTypeBuilder<Prediction> builder)
    {
        builder.Property(p => p.Label).HasMaxLength(LabelClass.MaxNameLength);
        builder.Property(p => p.ReasonJson).HasColumnType("text");
        builder.HasIndex(p => new { p.ItemId, p.ModelVersionId }).IsUnique();
        builder.HasIndex(p => new { p.ModelVersionId, p.Rank });
        builder.HasOne<Item>().WithMany().HasForeignKey(p => p.ItemId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<ModelVersion>().WithMany().HasForeignKey(p => p.ModelVersionId).OnDelete(DeleteBehavior.Cascade);
    }
}
