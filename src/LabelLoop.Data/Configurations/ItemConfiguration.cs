using LabelLoop.Core.Items;
using LabelLoop.Core.Projects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LabelLoop.Data.Configurations;

internal sealed class ItemConfiguration : IEntityTypeConfiguration<Item>
{
    public void Configure(EntityTypeBuilder<Item> builder)
    {
        builder.Property(i => i.ContentHash).HasMaxLength(64);
        builder.Property(i => i.BlobHash).HasMaxLength(64);
        builder.Property(i => i.MediaType).HasMaxLength(32);
        builder.Property(i => i.ExternalId).HasMaxLength(Item.MaxExternalIdLength);
        builder.Property(i => i.MetaJson).HasColumnType("text");
        builder.Property(i => i.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(i => i.GroundTruth).HasMaxLength(LabelClass.MaxNameLength);
        builder.Property(i => i.FinalLabel).HasMaxLength(LabelClass.MaxNameLength);
        // Re-importing the same content is a no-op: the hash is the identity within a project.
        builder.HasIndex(i => new { i.ProjectId, i.ContentHash }).IsUnique();
        builder.HasIndex(i => new { i.ProjectId, i.Status });
        // The pool walk that serves items without a ranking: only open items, in content-hash (pseudo-random) order.
        builder.HasIndex(i => new { i.ProjectId, i.ContentHash }, "IX_Items_Unlabeled_ProjectId_ContentHash")
            .HasFilter("\"Status\" = 'Unlabeled'");
        // The cold-start walk (items served before a project's first model): only the few items in the order.
        builder.HasIndex(i => new { i.ProjectId, i.ColdStartRank }, "IX_Items_ColdStart_ProjectId_ColdStartRank")
            .HasFilter("\"ColdStartRank\" IS NOT NULL");
        // The dashboard's label distribution: an index-only scan over labeled items, not a visit to every page of the pool.
        builder.HasIndex(i => new { i.ProjectId, i.FinalLabel }, "IX_Items_Labeled_ProjectId_FinalLabel")
            .HasFilter("\"Status\" = 'Labeled'");
        builder.HasOne<Project>().WithMany().HasForeignKey(i => i.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}
