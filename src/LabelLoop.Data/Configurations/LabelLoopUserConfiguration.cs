using LabelLoop.Data.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LabelLoop.Data.Configurations;

internal sealed class LabelLoopUserConfiguration : IEntityTypeConfiguration<LabelLoopUser>
{
    public void Configure(EntityTypeBuilder<LabelLoopUser> builder) => builder.Property(u => u.DisplayName).HasMaxLength(100);
}
