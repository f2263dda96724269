using System.Globalization;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Projects;
using LabelLoop.Data.Providers;
using Microsoft.EntityFrameworkCore;

namespace LabelLoop.Data.Jobs;

/// <summary>A setting change as the history table shows it.</summary>
public sealed record LoopSettingChangeView(string Setting, string OldValue, string NewValue, DateTime ChangedUtc, string? ChangedBy);

/// <summary>
/// Reads and changes a project's learning-loop settings (admins change them). Every change is recorded (who, when,
/// old and new value) in the same transaction; the loop picks the new values up at its next training and ranking.
/// </summary>
public sealed class LoopSettingsService(IDbContextFactory<LabelLoopDbContext> contextFactory, ProjectService projects, TimeProvider time)
{
    public async Task<LoopSettings> GetAsync(Caller caller, int projectId, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var project = await db.Projects.AsNoTracking().SingleAsync(p => p.Id == projectId, cancellationToken);
        return Read(project);
    }

    /// <summary>Applies the settings (null optional fields stay as they are) and returns them as they are now.</summary>
    public async Task<LoopSettings> UpdateAsync(Caller caller, int projectId, LoopSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
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
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The row lock keeps two admins' concurrent edits from both recording the same "old" value.
        var project = await db.Projects.LockedById(db, "Projects", projectId)
            .SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"Project {projectId} does not exist.");
        if (settings.ImageColour is not null && project.Kind != ProjectKind.Image)
        {
            throw new DomainValidationException("imageColour", "Only image projects have a colour mode.");
        }
        if (settings.AllowHorizontalFlip is not null && project.Kind != ProjectKind.Image)
        {
            throw new DomainValidationException("allowHorizontalFlip", "Only image projects are augmented with flips.");
        }
        if (settings.TextModel is not null && project.Kind != ProjectKind.Text)
        {
            throw new DomainValidationException("textModel", "Only text projects choose a text model.");
        }
        var before = Read(project);
        project.RetrainEvery = settings.RetrainEvery;
        project.RetrainGrowthPercent = settings.RetrainGrowthPercent;
        project.RetrainIntervalMinutes = settings.RetrainIntervalMinutes;
        project.CommitteeSize = settings.CommitteeSize;
        project.Strategy = settings.Strategy;
        project.BatchSize = settings.BatchSize ?? project.BatchSize;
        project.LeaseMinutes = settings.LeaseMinutes ?? project.LeaseMinutes;
        project.Overlap = settings.Overlap ?? project.Overlap;
        project.AuditPercent = settings.AuditPercent ?? project.AuditPercent;
        project.ColdStartLabelsPerClass = settings.ColdStartLabelsPerClass ?? project.ColdStartLabelsPerClass;
        project.PretrainEnabled = settings.PretrainEnabled ?? project.PretrainEnabled;
        project.FineTuneMode = settings.FineTune ?? project.FineTuneMode;
        project.AllowHorizontalFlip = settings.AllowHorizontalFlip ?? project.AllowHorizontalFlip;
        project.TextModel = settings.TextModel ?? project.TextModel;
        project.TrainingSteps = settings.TrainingSteps ?? project.TrainingSteps;
        project.WarmStart = settings.WarmStart ?? project.WarmStart;
        if (settings.ImageColour is { } colour && colour != project.ImageColour)
        {
            // An encoder pretrained on the other channel count cannot start the new models: training ignores it,
            // and the loop pretrains again as for a new project.
            project.ImageColour = colour;
            project.PretrainItemCount = 0;
        }
        if (settings.LabelBudget is { } budget)
        {
            project.LabelBudget = budget == 0 ? null : budget;
        }
        var after = Read(project);
        var now = time.GetUtcNow().UtcDateTime;
        var changes = Diff(before, after).ToList();
        if (changes.Count > 0)
        {
            project.UpdatedUtc = now;
            db.LoopSettingChanges.AddRange(changes.Select(c => new LoopSettingChange
            {
                ProjectId = projectId,
                UserId = AccountOf(caller),
                Setting = c.Setting,
                OldValue = c.Old,
                NewValue = c.New,
                ChangedUtc = now,
            }));
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return after;
    }

    /// <summary>The project's setting changes, newest first.</summary>
    public async Task<IReadOnlyList<LoopSettingChangeView>> HistoryAsync(Caller caller, int projectId, int limit = 50, CancellationToken cancellationToken = default)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.LoopSettingChanges.AsNoTracking().Where(c => c.ProjectId == projectId)
            .OrderByDescending(c => c.ChangedUtc).ThenByDescending(c => c.Id).Take(Math.Clamp(limit, 1, 500))
            .Select(c => new LoopSettingChangeView(c.Setting, c.OldValue, c.NewValue, c.ChangedUtc,
                db.Users.Where(u => u.Id == c.UserId).Select(u => u.Email).FirstOrDefault()))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Records changes to settings the project form also edits (overlap, lease length), so the history is complete
    /// whichever page made them. Adds the rows to <paramref name="db"/>; the caller saves.
    /// </summary>
    internal static void RecordProjectFormChanges(LabelLoopDbContext db, Caller caller, Project project, int overlap, int leaseMinutes, DateTime now)
    {
        void Add(string setting, int old, int @new)
        {
            if (old != @new)
            {
                db.LoopSettingChanges.Add(new LoopSettingChange
                {
                    ProjectId = project.Id,
                    UserId = AccountOf(caller),
                    Setting = setting,
                    OldValue = Text(old),
                    NewValue = Text(@new),
                    ChangedUtc = now,
                });
            }
        }
        Add("overlap", project.Overlap, overlap);
        Add("leaseMinutes", project.LeaseMinutes, leaseMinutes);
    }

    internal static LoopSettings Read(Project p) => new(p.RetrainEvery, p.RetrainGrowthPercent, p.RetrainIntervalMinutes, p.CommitteeSize,
        p.Strategy, p.BatchSize, p.LeaseMinutes, p.Overlap, p.LabelBudget, p.AuditPercent, p.ColdStartLabelsPerClass, p.PretrainEnabled, p.FineTuneMode,
        p.Kind == ProjectKind.Image ? p.ImageColour : null,
        p.Kind == ProjectKind.Image ? p.AllowHorizontalFlip : null,
        p.Kind == ProjectKind.Text ? p.TextModel : null,
        p.TrainingSteps,
        p.WarmStart);

    /// <summary>Changed settings by API name, values as text (empty for none).</summary>
    public static IEnumerable<(string Setting, string Old, string New)> Diff(LoopSettings before, LoopSettings after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        (string, string, string)[] all =
        [
            ("strategy", before.Strategy, after.Strategy),
            ("batchSize", Text(before.BatchSize), Text(after.BatchSize)),
            ("retrainEvery", Text(before.RetrainEvery), Text(after.RetrainEvery)),
            ("retrainGrowthPercent", Text(before.RetrainGrowthPercent), Text(after.RetrainGrowthPercent)),
            ("retrainIntervalMinutes", Text(before.RetrainIntervalMinutes), Text(after.RetrainIntervalMinutes)),
            ("committeeSize", Text(before.CommitteeSize), Text(after.CommitteeSize)),
            ("leaseMinutes", Text(before.LeaseMinutes), Text(after.LeaseMinutes)),
            ("overlap", Text(before.Overlap), Text(after.Overlap)),
            ("labelBudget", Text(before.LabelBudget), Text(after.LabelBudget)),
            ("auditPercent", Text(before.AuditPercent), Text(after.AuditPercent)),
            ("coldStartLabelsPerClass", Text(before.ColdStartLabelsPerClass), Text(after.ColdStartLabelsPerClass)),
            ("pretrainEnabled", before.PretrainEnabled?.ToString() ?? "", after.PretrainEnabled?.ToString() ?? ""),
            ("fineTune", before.FineTune?.ToString() ?? "", after.FineTune?.ToString() ?? ""),
            ("imageColour", before.ImageColour?.ToString() ?? "", after.ImageColour?.ToString() ?? ""),
            ("allowHorizontalFlip", before.AllowHorizontalFlip?.ToString() ?? "", after.AllowHorizontalFlip?.ToString() ?? ""),
            ("textModel", before.TextModel?.ToString() ?? "", after.TextModel?.ToString() ?? ""),
            ("trainingSteps", Text(before.TrainingSteps), Text(after.TrainingSteps)),
            ("warmStart", before.WarmStart?.ToString() ?? "", after.WarmStart?.ToString() ?? ""),
        ];
        return all.Where(c => !string.Equals(c.Item2, c.Item3, StringComparison.Ordinal));
    }

    private static string? AccountOf(Caller caller) => caller.UserId == Caller.System.UserId ? null : caller.UserId;

    private static string Text(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
}
