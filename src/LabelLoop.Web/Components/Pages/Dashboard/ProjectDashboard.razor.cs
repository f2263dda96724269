using System.Globalization;
using LabelLoop.Core;
using LabelLoop.Core.Jobs;
using LabelLoop.Data.Jobs;
using LabelLoop.Data.Stats;
using LabelLoop.Jobs;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace LabelLoop.Web.Components.Pages.Dashboard;

/// <summary>
/// <c>/projects/{id}/dashboard[/tab]</c>: overview, model, annotators, jobs, settings, simulation. Each tab loads
/// only its own numbers, all through <see cref="ProjectStatsService"/> (the stats API's service). Admins see and
/// steer everything; reviewers who are members read it; annotators get 403.
/// </summary>
public partial class ProjectDashboard
{
    private const int JobsShown = 50;

    private static readonly (string Key, string Title)[] Tabs =
    [
        ("overview", "Overview"),
        ("model", "Model"),
        ("annotators", "Annotators"),
        ("jobs", "Jobs"),
        ("settings", "Settings"),
        ("simulation", "Simulation"),
    ];

    private ProjectHeader? header;
    private ProjectOverview? overview;
    private ModelOverview? model;
    private AnnotatorStats? annotators;
    private AgreementStats? agreement;
    private IReadOnlyList<JobRunView> jobRuns = [];
    private JobRunView? latestSimulation;
    private JobRunView? pendingSimulation;
    private LoopSettings? settings;
    private IReadOnlyList<LoopSettingChangeView> history = [];
    private IReadOnlyDictionary<string, string[]>? settingsErrors;
    private string? settingsSaved;

    [Inject] private ProjectStatsService Stats { get; set; } = default!;

    [Inject] private JobRunService JobRuns { get; set; } = default!;

    [Inject] private LoopSettingsService Loop { get; set; } = default!;

    [Inject] private IOptions<JobsOptions> JobsOptions { get; set; } = default!;

    [Parameter] public int ProjectId { get; set; }

    [Parameter] public string? Tab { get; set; }

    private string CurrentTab => Tabs.Any(t => t.Key == Tab) ? Tab! : "overview";


    protected override async Task OnInitializedAsync()
    {
        if (Tab is not null && Tabs.All(t => t.Key != Tab))
        {
            HttpContext!.Response.StatusCode = StatusCodes.Status404NotFound;
        }
        // The header (one row, and the access check) heads every tab; the rest loads only for its tab.
        header = await GuardAsync(() => Stats.GetHeaderAsync(Caller, ProjectId));
        if (header is null)
        {
            return;
        }
        switch (CurrentTab)
        {
            case "overview":
                overview = await Stats.GetOverviewAsync(Caller, ProjectId);
                break;
            case "model":
                model = await Stats.GetModelAsync(Caller, ProjectId);
                break;
            case "annotators":
                // Two independent scans of the project's labels: on separate connections they overlap. Each starts on
                // the thread pool: SQLite's "async" calls complete synchronously, so the second would otherwise wait
                // for the first to finish.
                var (caller, projectId) = (Caller, ProjectId);
                var people = Task.Run(() => Stats.GetAnnotatorsAsync(caller, projectId));
                var pairs = Task.Run(() => Stats.GetAgreementAsync(caller, projectId));
                await Task.WhenAll(people, pairs);
                (annotators, agreement) = (await people, await pairs);
                break;
            case "jobs":
                jobRuns = await JobRuns.ListAsync(Caller, ProjectId, JobsShown);
                break;
            case "settings":
                await LoadSettingsAsync();
                break;
            case "simulation":
                var recent = (await JobRuns.ListAsync(Caller, ProjectId, 100)).Where(r => r.Kind == JobKind.Simulate).ToList();
                latestSimulation = recent.FirstOrDefault(r => r.Status == JobStatus.Succeeded);
                pendingSimulation = recent.FirstOrDefault(r => r.Status is JobStatus.Queued or JobStatus.Running);
                break;
        }
    }

    private async Task LoadSettingsAsync()
    {
        settings = await Loop.GetAsync(Caller, ProjectId);
        history = await Loop.HistoryAsync(Caller, ProjectId);
    }

    private async Task SaveSettingsAsync()
    {
        if (!Caller.IsAdmin)
        {
            HttpContext!.Response.StatusCode = StatusCodes.Status403Forbidden;
            settingsErrors = new Dictionary<string, string[]> { [""] = ["Only admins can change the learning loop."] };
            return;
        }
        var form = HttpContext!.Request.Form;
        var errors = new Dictionary<string, string[]>();
        int Int(string name)
        {
            if (int.TryParse(form[name], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
            errors[name] = ["Enter a whole number."];
            return 0;
        }
        var budgetText = form["labelBudget"].ToString().Trim();
        var submitted = new LoopSettings(
            Int("retrainEvery"), Int("retrainGrowthPercent"), Int("retrainIntervalMinutes"), Int("committeeSize"), form["strategy"].ToString(),
            BatchSize: Int("batchSize"),
            LeaseMinutes: Int("leaseMinutes"),
            Overlap: Int("overlap"),
            LabelBudget: budgetText.Length == 0 ? 0 : Int("labelBudget"),
            AuditPercent: form.ContainsKey("auditPercent") ? Int("auditPercent") : null,
            ColdStartLabelsPerClass: form.ContainsKey("coldStartLabelsPerClass") ? Int("coldStartLabelsPerClass") : null,
            // A checkbox sends nothing when cleared: the select beside it tells a full form from an older one.
            PretrainEnabled: form.ContainsKey("fineTune") ? form["pretrainEnabled"].ToString() == "true" : null,
            FineTune: Enum.TryParse<LabelLoop.Core.Projects.FineTuneMode>(form["fineTune"].ToString(), out var mode) ? mode : null,
            // Empty (undecided, or a text project) leaves the colour mode as it is.
            ImageColour: Enum.TryParse<LabelLoop.Core.Projects.ImageColour>(form["imageColour"].ToString(), out var colour) && Enum.IsDefined(colour) ? colour : null,
            // As for pretraining: the hidden field beside the checkbox tells "cleared" from "not on this form".
            AllowHorizontalFlip: form.ContainsKey("allowHorizontalFlipShown") ? form["allowHorizontalFlip"].ToString() == "true" : null,
            TextModel: Enum.TryParse<LabelLoop.Core.Projects.TextModel>(form["textModel"].ToString(), out var textModel) && Enum.IsDefined(textModel) ? textModel : null,
            TrainingSteps: form.ContainsKey("trainingSteps") ? Int("trainingSteps") : null,
            WarmStart: form.ContainsKey("warmStartShown") ? form["warmStart"].ToString() == "true" : null);
        if (errors.Count == 0)
        {
            try
            {
                await Loop.UpdateAsync(Caller, ProjectId, submitted);
                settingsSaved = "Saved. The next training and ranking use the new settings.";
                await LoadSettingsAsync();
                return;
            }
            catch (DomainValidationException ex)
            {
                settingsErrors = ex.Errors;
            }
        }
        else
        {
            settingsErrors = errors;
        }
        HttpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
        history = await Loop.HistoryAsync(Caller, ProjectId);
        // Show what was typed, not the stored values, so the admin can correct it.
        settings = submitted;
    }
}
