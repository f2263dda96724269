using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LabelLoop.Data.Configurations;

internal sealed class JobRunConfiguration : IEntityTypeConfiguration<JobRun>
{
    public void Configure(EntityTypeBuilder<JobRun> builder)
    {
        builder.Property(j => j.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(j => j.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(j => j.Message).HasMaxLength(500);
        builder.Property(j => j.Error).HasColumnType("text");
        builder.Property(j => j.Node).HasMaxLength(200);
        builder.Property(j => j.ParametersJson).HasColumnType("text");
        builder.Property(j => j.BackgroundJobId).HasMaxLength(64);
        builder.HasIndex(j => new { j.ProjectId, j.CreatedUtc });
        builder.HasIndex(j => j.Status);
        builder.HasOne<Project>().WithMany().HasForeignKey(j => j.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}
