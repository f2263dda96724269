using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Data.Projects;
using Microsoft.EntityFrameworkCore;

namespace LabelLoop.Data.Jobs;

/// <summary>Reads and changes a project's learning-loop settings (admins change them).</summary>
public sealed class LoopSettingsService(IDbContextFactory<LabelLoopDbContext> contextFactory, ProjectService projects, TimeProvider time)
{
    public async Task<LoopSettings> GetAsync(Caller caller, int projectId, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.Projects.AsNoTracking().Where(p => p.Id == projectId)
            .Select(p => new LoopSettings(p.RetrainEvery, p.RetrainGrowthPercent, p.RetrainIntervalMinutes, p.CommitteeSize, p.Strategy, p.AuditPercent, p.ColdStartLabelsPerClass))
            .SingleAsync(cancellationToken);
    }

    public async Task<LoopSettings> UpdateAsync(Caller caller, int projectId, LoopSettings settings, CancellationToken cancellationToken = default)
    {
        if (!caller.IsAdmin)
        {
            throw new AccessDeniedException("Only admins can change the learning loop.");
        }
        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            throw new DomainValidationException(errors);
        }
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var updated = await db.Projects.Where(p => p.Id == projectId).ExecuteUpdateAsync(s => s
            .SetProperty(p => p.RetrainEvery, settings.RetrainEvery)
            .SetProperty(p => p.RetrainGrowthPercent, settings.RetrainGrowthPercent)
            .SetProperty(p => p.RetrainIntervalMinutes, settings.RetrainIntervalMinutes)
            .SetProperty(p => p.CommitteeSize, settings.CommitteeSize)
            .SetProperty(p => p.Strategy, settings.Strategy)
            .SetProperty(p => p.AuditPercent, settings.AuditPercent)
            .SetProperty(p => p.ColdStartLabelsPerClass, settings.ColdStartLabelsPerClass)
            .SetProperty(p => p.UpdatedUtc, now), cancellationToken);
        if (updated == 0)
        {
            throw new NotFoundException($"Project {projectId} does not exist.");
        }
        return settings;
    }
}
