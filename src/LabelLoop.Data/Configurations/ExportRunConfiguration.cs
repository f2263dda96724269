using LabelLoop.Core.Export;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LabelLoop.Data.Configurations;

internal sealed class ExportRunConfiguration : IEntityTypeConfiguration<ExportRun>
{
    public void Configure(EntityTypeBuilder<ExportRun> builder)
    {
        builder.Property(e => e.Format).HasMaxLength(16);
        builder.Property(e => e.FinalLabel).HasMaxLength(ExportRun.MaxFinalLabelLength);
        builder.Property(e => e.FileName).HasMaxLength(260);
        builder.Property(e => e.Sha256).HasMaxLength(64);
        builder.HasIndex(e => new { e.ProjectId, e.Id });
        builder.HasIndex(e => e.JobRunId).IsUnique();
        builder.HasOne<Project>().WithMany().HasForeignKey(e => e.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<JobRun>().WithMany().HasForeignKey(e => e.JobRunId).OnDelete(DeleteBehavior.Cascade);
    }
}
