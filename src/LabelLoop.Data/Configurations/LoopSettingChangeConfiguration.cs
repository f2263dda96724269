using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LabelLoop.Data.Configurations;

internal sealed class LoopSettingChangeConfiguration : IEntityTypeConfiguration<LoopSettingChange>
{
    public void Configure(EntityTypeBuilder<LoopSettingChange> builder)
    {
        builder.Property(c => c.Setting).HasMaxLength(32);
        builder.Property(c => c.OldValue).HasMaxLength(LoopSettingChange.MaxValueLength);
        builder.Property(c => c.NewValue).HasMaxLength(LoopSettingChange.MaxValueLength);
        builder.HasIndex(c => new { c.ProjectId, c.ChangedUtc });
        builder.HasOne<Project>().WithMany().HasForeignKey(c => c.ProjectId).OnDelete(DeleteBehavior.Cascade);
        // Accounts are disabled, not deleted; if one ever is, its history stays without a name.
        builder.HasOne<LabelLoopUser>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.SetNull);
    }
}
