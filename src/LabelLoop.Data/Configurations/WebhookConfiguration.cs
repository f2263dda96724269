using LabelLoop.Core.Projects;
using LabelLoop.Core.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LabelLoop.Data.Configurations;

internal sealed class WebhookConfiguration : IEntityTypeConfiguration<Webhook>
{
    public void Configure(EntityTypeBuilder<Webhook> builder)
    {
        builder.Property(w => w.Url).HasMaxLength(Webhook.MaxUrlLength);
        builder.Property(w => w.Secret).HasMaxLength(100);
        builder.HasIndex(w => w.ProjectId);
        builder.HasOne<Project>().WithMany().HasForeignKey(w => w.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}
