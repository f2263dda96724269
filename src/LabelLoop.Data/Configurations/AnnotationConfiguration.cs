using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using LabelLoop.Core.Predictions;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LabelLoop.Data.Configurations;

internal sealed class AnnotationConfiguration : IEntityTypeConfiguration<Annotation>
{
    public void Configure(EntityTypeBuilder<Annotation> builder)
    {
        builder.Property(a => a.Label).HasMaxLength(LabelClass.MaxNameLength);
        builder.Property(a => a.Comment).HasMaxLength(2000);
        builder.HasIndex(a => new { a.ItemId, a.UserId });
        builder.Property(a => a.IdempotencyKey).HasMaxLength(100);
        builder.HasIndex(a => new { a.UserId, a.IdempotencyKey }).IsUnique().HasFilter("\"IdempotencyKey\" IS NOT NULL");
        builder.HasIndex(a => new { a.ProjectId, a.CreatedUtc });
        builder.HasIndex(a => new { a.UserId, a.ProjectId, a.CreatedUtc });
        builder.HasOne<Item>().WithMany().HasForeignKey(a => a.ItemId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Project>().WithMany().HasForeignKey(a => a.ProjectId).OnDelete(DeleteBehavior.Cascade);
        // Annotations outlive their author's account being removed only as long as the account exists:
        // accounts are disabled, not deleted, so Restrict protects the label history.
        builder.HasOne<LabelLoopUser>().WithMany().HasForeignKey(a => a.UserId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Prediction>().WithMany().HasForeignKey(a => a.ParentPredictionId).OnDelete(DeleteBehavior.SetNull);
    }
}
