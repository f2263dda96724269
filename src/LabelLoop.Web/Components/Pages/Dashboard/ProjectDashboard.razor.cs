using LabelLoop.Core;
using LabelLoop.Core.Jobs;
using LabelLoop.Data;
using LabelLoop.Data.Jobs;
using LabelLoop.Data.Stats;
using LabelLoop.Jobs;
using LabelLoop.Jobs.Simulation;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace LabelLoop.Web.Components.Pages.Dashboard;

/// <summary>
/// <c>/projects/{id}/dashboard[/tab]</c>: overview, model, annotators, jobs, settings, simulation. Each tab loads
/// only its own numbers, all through <see cref="ProjectStatsService"/> (the stats API's service). Admins see and
/// steer everything; reviewers who are members read it; annotators get 403. Every tab has its own URL: switching
/// tabs navigates inside the circuit. While the page is open the header, the overview's counts, the job list and
/// the simulation's state are read again every few seconds, and a newly published model version is announced. The
/// tab strip (<see cref="DashboardTabs"/>) takes only the project and the tab, so such a refresh re-renders the
/// numbers and leaves the tab headers alone.
/// </summary>
public partial class ProjectDashboard
{
    private const int JobsShown = 50;

    /// <summary>
    /// How often an open dashboard reads its numbers again by itself, by default (<c>Dashboard:RefreshSeconds</c>):
    /// what other nodes and the workers write (a new model version, job progress) shows within this. A label or an
    /// import committed on this node wakes it at once.
    /// </summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    /// <summary>The least time between two refreshes, however many labels arrive.</summary>
    public static readonly TimeSpan MinRefreshGap = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource stopping = new();
    // Released when this node commits a change to the project's labels or pool; holds at most one wake-up.
    private readonly SemaphoreSlim changed = new(0, 1);
    private ProjectHeader? header;
    private ProjectOverview? overview;
    private ModelOverview? model;
    private AnnotatorStats? annotators;
    private AgreementStats? agreement;
    private IReadOnlyList<JobRunView> jobRuns = [];
    private JobRunView? latestSimulation;
    private JobRunView? pendingSimulation;
    private int? activeVersion;
    private int? loadedProject;
    private string? loadedTab;
    private bool live;

    [Inject] private ProjectStatsService Stats { get; set; } = default!;

    [Inject] private JobRunService JobRuns { get; set; } = default!;

    [Inject] private JobQueue Queue { get; set; } = default!;

    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Inject] private CommitSignals Signals { get; set; } = default!;

    [Inject] private IConfiguration Configuration { get; set; } = default!;

    private TimeSpan RefreshEvery =>
        Configuration.GetValue<double?>("Dashboard:RefreshSeconds") is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : RefreshInterval;

    [Parameter] public int ProjectId { get; set; }

    [Parameter] public string? Tab { get; set; }

    private string CurrentTab => DashboardTabs.Resolve(Tab);

    protected override async Task OnParametersSetAsync()
    {
        if (Tab is not null && DashboardTabs.All.All(t => t.Key != Tab) && HttpContext is { Response.HasStarted: false })
        {
            HttpContext.Response.StatusCode = StatusCodes.Status404NotFound;
        }
        if (loadedProject != ProjectId)
        {
            // The header (one row, and the access check) heads every tab; the rest loads only for its tab.
            loadedProject = ProjectId;
            loadedTab = null;
            header = await GuardAsync(() => Stats.GetHeaderAsync(Caller, ProjectId));
            if (header is not null)
            {
                activeVersion = await Stats.GetActiveVersionAsync(Caller, ProjectId);
            }
        }
        if (header is null || loadedTab == CurrentTab)
        {
            return;
        }
        loadedTab = CurrentTab;
        await LoadTabAsync(CurrentTab, stopping.Token);
    }

    protected override void OnAfterRender(bool firstRender)
    {
        // Only in the circuit: the prerender has no after-render, so no timer outlives the first response.
        if (!live && header is not null)
        {
            live = true;
            Signals.ProjectChanged += OnProjectChanged;
            _ = RefreshLoopAsync(stopping.Token);
        }
    }

    private async Task LoadTabAsync(string tab, CancellationToken cancellationToken)
    {
        switch (tab)
        {
            case "overview":
                overview = await Stats.GetOverviewAsync(Caller, ProjectId, cancellationToken: cancellationToken);
                break;
            case "model":
                model = await Stats.GetModelAsync(Caller, ProjectId, cancellationToken);
                break;
            case "annotators" when HttpContext is not null:
                // The first response (the prerender) paints the page with the tab waiting for its numbers, and the
                // circuit counts them once: two full scans of the project's labels take longer than a first paint may
                // (bench/dashboard.md), and counting them for the prerender too would do the work twice.
                break;
            case "annotators":
                // Two independent scans of the project's labels: on separate connections they overlap. Each starts on
                // the thread pool: SQLite's "async" calls complete synchronously, so the second would otherwise wait
                // for the first to finish.
                var (caller, projectId) = (Caller, ProjectId);
                var people = Task.Run(() => Stats.GetAnnotatorsAsync(caller, projectId, cancellationToken: cancellationToken), cancellationToken);
                var pairs = Task.Run(() => Stats.GetAgreementAsync(caller, projectId, cancellationToken), cancellationToken);
                await Task.WhenAll(people, pairs);
                (annotators, agreement) = (await people, await pairs);
                break;
            case "jobs":
                jobRuns = await JobRuns.ListAsync(Caller, ProjectId, JobsShown, cancellationToken);
                break;
            case "simulation":
                var recent = (await JobRuns.ListAsync(Caller, ProjectId, 100, cancellationToken)).Where(r => r.Kind == JobKind.Simulate).ToList();
                latestSimulation = recent.FirstOrDefault(r => r.Status == JobStatus.Succeeded);
                pendingSimulation = recent.FirstOrDefault(r => r.Status is JobStatus.Queued or JobStatus.Running);
                break;
        }
    }

    private async Task StartSimulationAsync(bool pretrain)
    {
        try
        {
            var run = await Queue.RequestSimulationAsync(Caller, ProjectId, new SimulationParameters { Pretrain = pretrain }, stopping.Token);
            Snackbar.Add($"Simulation #{run.Id} queued; its progress shows here and on the Jobs tab.", Severity.Success);
        }
        catch (AccessDeniedException ex)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        await LoadTabAsync("simulation", stopping.Token);
    }

    // Runs on the committing thread: only note the change (see CommitSignals).
    private void OnProjectChanged(int projectId)
    {
        if (projectId != ProjectId || changed.CurrentCount > 0)
        {
            return;
        }
        try
        {
            changed.Release();
        }
        catch (Exception ex) when (ex is SemaphoreFullException or ObjectDisposedException)
        {
            // A wake-up is already waiting, or the page has just closed.
        }
    }

    // Refreshes when this node commits a change to the project (at most once per MinRefreshGap), and every
    // RefreshInterval without one.
    private async Task RefreshLoopAsync(CancellationToken cancellationToken)
    {
        var every = RefreshEvery;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await changed.WaitAsync(every, cancellationToken);
                await InvokeAsync(() => RefreshAsync(cancellationToken));
                await Task.Delay(MinRefreshGap, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // The page was left.
        }
        catch (Exception ex) when (ex is NotFoundException or AccessDeniedException)
        {
            // The project was deleted or the caller lost access: the numbers on screen stay as they were.
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        header = await Stats.GetHeaderAsync(Caller, ProjectId, cancellationToken);
        var version = await Stats.GetActiveVersionAsync(Caller, ProjectId, cancellationToken);
        var newModel = version is { } v && v != activeVersion;
        activeVersion = version;
        if (newModel)
        {
            Snackbar.Add($"New ranking from model v{version}", Severity.Info);
        }
        if (CurrentTab is "overview" or "jobs" or "simulation" || (CurrentTab == "model" && newModel))
        {
            await LoadTabAsync(CurrentTab, cancellationToken);
        }
        StateHasChanged();
    }

    public void Dispose()
    {
        Signals.ProjectChanged -= OnProjectChanged;
        stopping.Cancel();
        stopping.Dispose();
        changed.Dispose();
        GC.SuppressFinalize(this);
    }
}
