using LabelLoop.Core.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LabelLoop.Data.Configurations;

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.Property(d => d.Event).HasMaxLength(32);
        builder.Property(d => d.PayloadJson).HasColumnType("text");
        builder.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(d => d.LastError).HasMaxLength(500);
        // The dispatcher's scan: only pending rows, oldest due first.
        builder.HasIndex(d => d.NextAttemptUtc, "IX_WebhookDeliveries_Pending_NextAttemptUtc").HasFilter("\"Status\" = 'Pending'");
        builder.HasIndex(d => new { d.WebhookId, d.Id });
        builder.HasOne<Webhook>().WithMany().HasForeignKey(d => d.WebhookId).OnDelete(DeleteBehavior.Cascade);
    }
}
