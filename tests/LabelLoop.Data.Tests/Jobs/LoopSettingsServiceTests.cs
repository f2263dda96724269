using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Jobs;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Data.Tests.Jobs;

/// <summary>Loop settings: optional fields keep their values, every change is recorded with who, when, old and new.</summary>
public sealed class LoopSettingsServiceTests(LabelLoopDataFixture fixture) : IClassFixture<LabelLoopDataFixture>
{
    private readonly LoopSettingsService _loop = fixture.Get<LoopSettingsService>();
    private readonly ProjectService _projects = fixture.Get<ProjectService>();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private Task<int> CreateProjectAsync() => _projects.CreateAsync(Caller.System,
        new ProjectInput($"loop-{Guid.NewGuid():N}", ProjectKind.Text, [new LabelSpec("a"), new LabelSpec("b")]), Cancel);

    [Fact]
    public async Task Defaults_are_read_back_in_full()
    {
        var project = await CreateProjectAsync();

        var settings = await _loop.GetAsync(Caller.System, project, Cancel);

        Assert.Equal(new LoopSettings(20, 0, 0, 5, "margin+diverse", 50, 10, 1, null, 5, 3, true, FineTuneMode.FineTune,
            TextModel: TextModel.Linear, TrainingSteps: 0, WarmStart: true), settings);
        Assert.Empty(await _loop.HistoryAsync(Caller.System, project, cancellationToken: Cancel));
    }

    [Fact]
    public async Task A_change_is_recorded_per_setting_with_who_and_the_old_and_new_values()
    {
        var project = await CreateProjectAsync();
        var email = LabelLoopDataFixture.UniqueEmail("admin");
        var admin = new Caller(await fixture.CreateUserAsync(email, Roles.Admin), IsAdmin: true);

        var saved = await _loop.UpdateAsync(admin, project,
            new LoopSettings(20, 0, 0, 3, "entropy", BatchSize: 100, LabelBudget: 500), Cancel);
        var history = await _loop.HistoryAsync(admin, project, cancellationToken: Cancel);

        // Lease length and overlap were not sent: they keep their values.
        Assert.Equal(new LoopSettings(20, 0, 0, 3, "entropy", 100, 10, 1, 500, 5, 3, true, FineTuneMode.FineTune,
            TextModel: TextModel.Linear, TrainingSteps: 0, WarmStart: true), saved);
        Assert.Equal(saved, await _loop.GetAsync(admin, project, Cancel));
        Assert.Equal(
            [("batchSize", "50", "100"), ("committeeSize", "5", "3"), ("labelBudget", "", "500"), ("strategy", "margin+diverse", "entropy")],
            history.Select(h => (h.Setting, h.OldValue, h.NewValue)).OrderBy(h => h.Setting, StringComparer.Ordinal));
        Assert.All(history, h => Assert.Equal(email, h.ChangedBy));
    }

    [Fact]
    public async Task Saving_the_same_values_records_nothing_and_a_budget_of_zero_removes_the_budget()
    {
        var project = await CreateProjectAsync();
        await _loop.UpdateAsync(Caller.System, project, new LoopSettings(20, 0, 0, 5, "margin+diverse", LabelBudget: 100), Cancel);

        await _loop.UpdateAsync(Caller.System, project, new LoopSettings(20, 0, 0, 5, "margin+diverse"), Cancel);
        var cleared = await _loop.UpdateAsync(Caller.System, project, new LoopSettings(20, 0, 0, 5, "margin+diverse", LabelBudget: 0), Cancel);
        var history = await _loop.HistoryAsync(Caller.System, project, cancellationToken: Cancel);

        Assert.Null(cleared.LabelBudget);
        // Newest first; the instance itself (no account) shows as no one.
        Assert.Equal([("labelBudget", "100", ""), ("labelBudget", "", "100")], history.Select(h => (h.Setting, h.OldValue, h.NewValue)));
        Assert.All(history, h => Assert.Null(h.ChangedBy));
    }

    [Fact]
    public async Task The_project_form_records_overlap_and_lease_changes_too()
    {
        var project = await CreateProjectAsync();
        var details = await _projects.GetAsync(Caller.System, project, Cancel);

        await _projects.UpdateAsync(Caller.System, project,
            new ProjectInput(details.Name, details.Kind, details.Labels, Overlap: 3, LeaseMinutes: 15), Cancel);

        var history = await _loop.HistoryAsync(Caller.System, project, cancellationToken: Cancel);
        Assert.Equal([("leaseMinutes", "10", "15"), ("overlap", "1", "3")], history.Select(h => (h.Setting, h.OldValue, h.NewValue)).Order());
    }

    [Fact]
    public async Task Bad_values_are_refused_by_field_and_only_admins_may_change_settings()
    {
        var project = await CreateProjectAsync();

        var bad = await Assert.ThrowsAsync<DomainValidationException>(() => _loop.UpdateAsync(Caller.System, project,
            new LoopSettings(20, 0, 0, 5, "psychic", BatchSize: 0, LeaseMinutes: 0, Overlap: 11, LabelBudget: -1), Cancel));
        await Assert.ThrowsAsync<AccessDeniedException>(() => _loop.UpdateAsync(new Caller("someone", IsAdmin: false), project,
            new LoopSettings(20, 0, 0, 5, "margin"), Cancel));

        Assert.Equal(["batchSize", "labelBudget", "leaseMinutes", "overlap", "strategy"], bad.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(await _loop.HistoryAsync(Caller.System, project, cancellationToken: Cancel));
    }
    private Task<int> CreateImageProjectAsync() => _projects.CreateAsync(Caller.System,
        new ProjectInput($"loop-{Guid.NewGuid():N}", ProjectKind.Image, [new LabelSpec("a"), new LabelSpec("b")]), Cancel);

    [Fact]
    public async Task The_image_colour_mode_is_stored_recorded_and_makes_the_project_due_for_pretraining_again()
    {
        var project = await CreateImageProjectAsync();
        await using (var db = fixture.CreateContext())
        {
            await db.Projects.Where(p => p.Id == project).ExecuteUpdateAsync(s => s
                .SetProperty(p => p.ImageColour, ImageColour.Grey).SetProperty(p => p.PretrainItemCount, 300), Cancel);
        }
        Assert.Equal(ImageColour.Grey, (await _loop.GetAsync(Caller.System, project, Cancel)).ImageColour);

        var saved = await _loop.UpdateAsync(Caller.System, project, new LoopSettings(20, 0, 0, 5, "margin+diverse", ImageColour: ImageColour.Colour), Cancel);
        var unchanged = await _loop.UpdateAsync(Caller.System, project, new LoopSettings(20, 0, 0, 5, "margin+diverse"), Cancel);

        Assert.Equal((ImageColour.Colour, ImageColour.Colour), (saved.ImageColour, unchanged.ImageColour));
        Assert.Equal([("imageColour", "Grey", "Colour")],
            (await _loop.HistoryAsync(Caller.System, project, cancellationToken: Cancel)).Select(h => (h.Setting, h.OldValue, h.NewValue)));
        await using var check = fixture.CreateContext();
        var row = await check.Projects.AsNoTracking().SingleAsync(p => p.Id == project, Cancel);
        Assert.Equal((ImageColour.Colour, 0), (row.ImageColour, row.PretrainItemCount));
    }

    [Fact]
    public async Task A_colour_mode_is_refused_for_text_projects_and_an_unknown_one_for_any_project()
    {
        var text = await CreateProjectAsync();
        var image = await CreateImageProjectAsync();

        var forText = await Assert.ThrowsAsync<DomainValidationException>(() =>
            _loop.UpdateAsync(Caller.System, text, new LoopSettings(20, 0, 0, 5, "margin", ImageColour: ImageColour.Colour), Cancel));
        var unknown = await Assert.ThrowsAsync<DomainValidationException>(() =>
            _loop.UpdateAsync(Caller.System, image, new LoopSettings(20, 0, 0, 5, "margin", ImageColour: (ImageColour)7), Cancel));

        Assert.Contains("imageColour", forText.Errors.Keys);
        Assert.Contains("imageColour", unknown.Errors.Keys);
        Assert.Null((await _loop.GetAsync(Caller.System, text, Cancel)).ImageColour);
        Assert.Null((await _loop.GetAsync(Caller.System, image, Cancel)).ImageColour);
    }

    [Fact]
    public async Task A_new_image_project_does_not_flip_and_the_training_settings_are_stored_and_recorded()
    {
        var image = await CreateImageProjectAsync();
        var text = await CreateProjectAsync();

        var defaults = await _loop.GetAsync(Caller.System, image, Cancel);
        var flips = await _loop.UpdateAsync(Caller.System, image,
            new LoopSettings(20, 0, 0, 5, "margin+diverse", AllowHorizontalFlip: true, TrainingSteps: 800, WarmStart: false), Cancel);
        var neural = await _loop.UpdateAsync(Caller.System, text, new LoopSettings(20, 0, 0, 5, "margin+diverse", TextModel: TextModel.Neural), Cancel);

        Assert.Equal((false, (TextModel?)null, 0, true), (defaults.AllowHorizontalFlip, defaults.TextModel, defaults.TrainingSteps, defaults.WarmStart));
        Assert.Equal((true, 800, false), (flips.AllowHorizontalFlip, flips.TrainingSteps, flips.WarmStart));
        Assert.Equal((TextModel.Neural, (bool?)null), (neural.TextModel, neural.AllowHorizontalFlip));
        Assert.Equal([("allowHorizontalFlip", "False", "True"), ("trainingSteps", "0", "800"), ("warmStart", "True", "False")],
            (await _loop.HistoryAsync(Caller.System, image, cancellationToken: Cancel)).Select(h => (h.Setting, h.OldValue, h.NewValue)).OrderBy(h => h.Setting, StringComparer.Ordinal));
        await using var check = fixture.CreateContext();
        var rows = await check.Projects.AsNoTracking().Where(p => p.Id == image || p.Id == text).ToDictionaryAsync(p => p.Id, Cancel);
        Assert.Equal((true, 800, false), (rows[image].AllowHorizontalFlip, rows[image].TrainingSteps, rows[image].WarmStart));
        Assert.Equal(TextModel.Neural, rows[text].TextModel);
    }

    [Fact]
    public async Task Flips_are_refused_for_text_projects_a_text_model_for_image_projects_and_bad_values_for_any()
    {
        var text = await CreateProjectAsync();
        var image = await CreateImageProjectAsync();

        var flipText = await Assert.ThrowsAsync<DomainValidationException>(() =>
            _loop.UpdateAsync(Caller.System, text, new LoopSettings(20, 0, 0, 5, "margin", AllowHorizontalFlip: true), Cancel));
        var modelImage = await Assert.ThrowsAsync<DomainValidationException>(() =>
            _loop.UpdateAsync(Caller.System, image, new LoopSettings(20, 0, 0, 5, "margin", TextModel: TextModel.Neural), Cancel));
        var bad = await Assert.ThrowsAsync<DomainValidationException>(() =>
            _loop.UpdateAsync(Caller.System, text, new LoopSettings(20, 0, 0, 5, "margin", TextModel: (TextModel)9, TrainingSteps: -1), Cancel));

        Assert.Contains("allowHorizontalFlip", flipText.Errors.Keys);
        Assert.Contains("textModel", modelImage.Errors.Keys);
        Assert.Equal(["textModel", "trainingSteps"], bad.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(TextModel.Linear, (await _loop.GetAsync(Caller.System, text, Cancel)).TextModel);
        Assert.False((await _loop.GetAsync(Caller.System, image, Cancel)).AllowHorizontalFlip);
    }
}
