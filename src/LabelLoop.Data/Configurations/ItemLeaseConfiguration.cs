using LabelLoop.Core.Items;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LabelLoop.Data.Configurations;

internal sealed class ItemLeaseConfiguration : IEntityTypeConfiguration<ItemLease>
{
    public void Configure(EntityTypeBuilder<ItemLease> builder)
    {
        builder.HasIndex(l => new { l.ItemId, l.UserId }).IsUnique();
        builder.HasIndex(l => new { l.UserId, l.ProjectId, l.ExpiresUtc });
        builder.HasIndex(l => l.ProjectId);
        builder.HasOne<Item>().WithMany().HasForeignKey(l => l.ItemId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Project>().WithMany().HasForeignKey(l => l.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<LabelLoopUser>().WithMany().HasForeignKey(l => l.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
