using Bunit;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Jobs;
using LabelLoop.Data.Projects;
using LabelLoop.Jobs;
using LabelLoop.Testing;
using LabelLoop.Web.Components.Pages.Projects;
using LabelLoop.Web.Tests.Components;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Xunit;

namespace LabelLoop.Web.Tests.Pages;

/// <summary>The project pages in a circuit: bUnit renders them on the real application and database, and clicks.</summary>
public sealed class ProjectComponentTests : IClassFixture<LabelLoopWebFactory>, IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly LabelLoopWebFactory _factory;
    private readonly AsyncServiceScope _scope;
    private readonly MudBunitContext _context;

    public ProjectComponentTests(LabelLoopWebFactory factory)
    {
        _factory = factory;
        _scope = factory.Services.CreateAsyncScope();
        _context = new MudBunitContext(_scope.ServiceProvider);
        // The job list looks its services up when it needs them; bUnit's own provider answers that lookup.
        _context.Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<JobRunService>());
        _context.Services.AddSingleton(_scope.ServiceProvider.GetRequiredService<JobQueue>());
        _context.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    public async ValueTask DisposeAsync()
    {
        await _context.DisposeAsync();
        await _scope.DisposeAsync();
    }

    private static CancellationToken Cancel => Xunit.TestContext.Current.CancellationToken;

    private ProjectService Projects => _factory.Services.GetRequiredService<ProjectService>();

    private Task<int> CreateProjectAsync(string name, params LabelSpec[] labels) =>
        Projects.CreateAsync(Caller.System, new ProjectInput(name, ProjectKind.Text, labels), Cancel);

    private async Task<string> CreateUserAsync(string role) =>
        await _factory.CreateUserAsync($"{role}-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", role);

    private string CurrentPath => new Uri(_context.Services.GetRequiredService<NavigationManager>().Uri).AbsolutePath;

    [Fact]
    public async Task An_annotator_lists_only_the_projects_they_are_a_member_of_and_cannot_create()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var member = await CreateProjectAsync($"member-{tag}");
        await CreateProjectAsync($"other-{tag}");
        var userId = await CreateUserAsync(Roles.Annotator);
        await Projects.AddMemberAsync(Caller.System, member, userId, Cancel);
        _context.SignIn(userId, Roles.Annotator);

        var cut = _context.Render<ProjectList>();

        cut.WaitForAssertion(() => Assert.Equal([member.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            cut.FindAll("[data-testid=project-table] [data-project-id]").Select(a => a.GetAttribute("data-project-id"))), Wait);
        Assert.Empty(cut.FindAll("[data-testid=new-project]"));
        Assert.Empty(cut.FindAll("a[href='/projects/new']"));
    }

    [Fact]
    public async Task The_project_list_searches_sorts_and_pages_on_the_server()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        for (var i = 0; i < 12; i++)
        {
            await CreateProjectAsync($"grid-{tag}-{i:D2}");
        }
        _context.SignIn("an-admin", Roles.Admin);
        var cut = _context.Render<ProjectList>();
        Assert.NotEmpty(cut.FindAll("[data-testid=new-project]"));

        cut.Find("#project-search").Input($"GRID-{tag}");
        cut.WaitForAssertion(() => Assert.Equal(
            Enumerable.Range(0, 12).Select(i => $"grid-{tag}-{i:D2}"),
            cut.FindAll("[data-project-id]").Select(a => a.TextContent.Trim())), Wait);

        var grid = cut.FindComponent<MudDataGrid<ProjectSummary>>();
        await cut.InvokeAsync(() => grid.Instance.SetRowsPerPageAsync(10));
        cut.WaitForAssertion(() => Assert.Equal(10, cut.FindAll("[data-project-id]").Count), Wait);
        await cut.InvokeAsync(() => grid.Instance.SetSortAsync(nameof(ProjectSummary.Name), SortDirection.Descending, p => p.Name));
        cut.WaitForAssertion(() => Assert.Equal($"grid-{tag}-11", cut.FindAll("[data-project-id]")[0].TextContent.Trim()), Wait);
        await cut.InvokeAsync(() => grid.Instance.NavigateTo(Page.Next));
        cut.WaitForAssertion(() => Assert.Equal([$"grid-{tag}-01", $"grid-{tag}-00"], cut.FindAll("[data-project-id]").Select(a => a.TextContent.Trim())), Wait);

        cut.Find("#project-search").Input($"nothing-{tag}");
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=no-matches]")), Wait);
    }

    [Fact]
    public async Task An_admin_creates_a_project_through_the_form()
    {
        var name = $"form-{Guid.NewGuid():N}";
        _context.SignIn("an-admin", Roles.Admin);
        var cut = _context.Render<ProjectCreate>();

        await cut.InvokeAsync(() => cut.Find("#project-name").Change(name));
        var kind = cut.FindComponent<MudSelect<ProjectKind?>>();
        await cut.InvokeAsync(() => kind.Instance.ValueChanged.InvokeAsync(ProjectKind.Text));
        cut.Find("#project-labels").Input("positive | p | #00aa00\nnegative\n");
        await cut.InvokeAsync(() => cut.Find("#project-instructions").Change("Read carefully."));
        await cut.InvokeAsync(() => cut.Find("#project-overlap").Change("2"));
        var preview = cut.FindAll("[data-testid=label-preview] .mud-chip");
        Assert.Equal(["p", "2"], preview.Select(c => c.QuerySelector("kbd")!.TextContent));
        Assert.Equal(["positive", "negative"], preview.Select(c => c.Text()[..^1]));
        cut.Find("form").Submit();

        var id = await Projects.GetIdByNameAsync(name, Cancel);
        cut.WaitForAssertion(() => Assert.Equal($"/projects/{id}", CurrentPath), Wait);
        var details = await Projects.GetAsync(Caller.System, id, Cancel);
        Assert.Equal((ProjectKind.Text, 2, "Read carefully."), (details.Kind, details.Overlap, details.Instructions));
        Assert.Equal([new LabelSpec("positive", "p", "#00aa00"), new LabelSpec("negative", null, ProjectRules.DefaultColor(1))], details.Labels);
    }

    [Fact]
    public async Task The_create_form_shows_validation_messages_by_field_and_saves_nothing()
    {
        var name = $"bad-{Guid.NewGuid():N}";
        _context.SignIn("an-admin", Roles.Admin);
        var cut = _context.Render<ProjectCreate>();

        await cut.InvokeAsync(() => cut.Find("#project-name").Change(name));
        cut.Find("#project-labels").Input("same\nsame\n");
        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Equal(["Label 'same' appears twice."],
            cut.FindAll("[data-testid=error-summary] li[data-field=labels]").Select(e => e.TextContent)), Wait);
        Assert.Contains("Label 'same' appears twice.", cut.Find("#project-labels").Closest(".mud-input-control")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("/", CurrentPath);
        Assert.DoesNotContain(name, (await Projects.ListAsync(Caller.System, Cancel)).Select(p => p.Name));
    }

    [Fact]
    public void The_create_form_refuses_an_empty_name_by_field()
    {
        _context.SignIn("an-admin", Roles.Admin);
        var cut = _context.Render<ProjectCreate>();

        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Contains("is required", cut.Find("[data-testid=error-summary] li[data-field=name]").TextContent, StringComparison.Ordinal), Wait);
        Assert.Equal("/", CurrentPath);
    }

    [Fact]
    public async Task The_service_refuses_an_annotator_who_submits_the_create_form()
    {
        var name = $"refused-{Guid.NewGuid():N}";
        _context.SignIn(await CreateUserAsync(Roles.Annotator), Roles.Annotator);
        var cut = _context.Render<ProjectCreate>();

        await cut.InvokeAsync(() => cut.Find("#project-name").Change(name));
        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=error-summary]")), Wait);
        Assert.DoesNotContain(name, (await Projects.ListAsync(Caller.System, Cancel)).Select(p => p.Name));
    }

    [Fact]
    public async Task An_admin_edits_a_project_through_the_form()
    {
        var id = await Projects.CreateAsync(Caller.System,
            new ProjectInput($"edit-{Guid.NewGuid():N}", ProjectKind.Text, [new LabelSpec("old"), new LabelSpec("kept", "k")], "Read twice.", Overlap: 2, LeaseMinutes: 30), Cancel);
        var renamed = $"edited-{Guid.NewGuid():N}";
        _context.SignIn("an-admin", Roles.Admin);
        var cut = _context.Render<ProjectEdit>(p => p.Add(x => x.ProjectId, id));

        Assert.Equal($"old |  | {ProjectRules.DefaultColor(0)}\nkept | k | {ProjectRules.DefaultColor(1)}", cut.Find("#project-labels").GetAttribute("value") ?? cut.Find("#project-labels").TextContent);
        await cut.InvokeAsync(() => cut.Find("#project-name").Change(renamed));
        cut.Find("#project-labels").Input("kept | k | #123456\nnew\n");
        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Equal($"/projects/{id}", CurrentPath), Wait);
        var details = await Projects.GetAsync(Caller.System, id, Cancel);
        Assert.Equal((renamed, "Read twice.", 2, 30), (details.Name, details.Instructions, details.Overlap, details.LeaseMinutes));
        Assert.Equal([new LabelSpec("kept", "k", "#123456"), new LabelSpec("new", null, ProjectRules.DefaultColor(1))], details.Labels);
    }

    [Fact]
    public void Empty_optional_fields_take_their_defaults_for_a_new_project_and_keep_their_values_in_an_edit()
    {
        var stored = new ProjectDetails(1, "kept", ProjectKind.Text, "Read twice.", 2, true, [new LabelSpec("yes")], new ProjectCounts(0, 0, 0, 0, 0, 0, 0), DateTime.UnixEpoch, LeaseMinutes: 30);
        var empty = new ProjectFormModel { Name = "new", Kind = ProjectKind.Text };

        var created = empty.ToDraft().ToInput();
        var edited = new ProjectFormModel().ToDraft().ToInput(stored);

        Assert.Equal(("", 1, 10, 0), (created.Instructions, created.Overlap, created.LeaseMinutes, created.Labels.Count));
        Assert.Equal(("kept", ProjectKind.Text, "Read twice.", 2, 30), (edited.Name, edited.Kind, edited.Instructions, edited.Overlap, edited.LeaseMinutes));
        Assert.Equal(["yes"], edited.Labels.Select(l => l.Name));
    }

    [Fact]
    public async Task An_admin_adds_and_removes_a_member_on_the_project_page()
    {
        var id = await CreateProjectAsync($"members-{Guid.NewGuid():N}");
        var email = $"member-{Guid.NewGuid():N}@example.org";
        await _factory.CreateUserAsync(email, "Passw0rd-for-tests", Roles.Annotator);
        _context.SignIn("an-admin", Roles.Admin);
        var cut = _context.Render<ProjectDetail>(p => p.Add(x => x.ProjectId, id));

        await cut.InvokeAsync(() => cut.Find("#member-email").Change("nobody@example.org"));
        cut.Find("form[data-testid=add-member]").Submit();
        cut.WaitForAssertion(() => Assert.Contains("No account has the e-mail 'nobody@example.org'", cut.Markup, StringComparison.Ordinal), Wait);

        await cut.InvokeAsync(() => cut.Find("#member-email").Change(email));
        cut.Find("form[data-testid=add-member]").Submit();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find($"[data-member='{email}']")), Wait);
        Assert.Single(await Projects.ListMembersAsync(Caller.System, id, Cancel));

        await cut.InvokeAsync(() => cut.Find($"[data-member='{email}'] [data-testid=remove-member]").Click());
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-member]")), Wait);
        Assert.Empty(await Projects.ListMembersAsync(Caller.System, id, Cancel));
    }

    [Fact]
    public async Task The_job_list_shows_a_run_and_an_admin_cancels_it_and_retrains()
    {
        var id = await CreateProjectAsync($"jobs-{Guid.NewGuid():N}");
        long runId;
        await using (var db = _factory.Database.CreateContext())
        {
            var run = new JobRun { ProjectId = id, Kind = JobKind.Train, Status = JobStatus.Running, Progress = 40, Message = "Training", CreatedUtc = DateTime.UnixEpoch, StartedUtc = DateTime.UnixEpoch };
            db.JobRuns.Add(run);
            await db.SaveChangesAsync(Cancel);
            runId = run.Id;
        }
        _context.SignIn("an-admin", Roles.Admin);
        var cut = _context.Render<JobList>(p => p.Add(x => x.ProjectId, id).Add(x => x.CanManage, true));

        var row = cut.Find($"[data-testid=job-run][data-job-id='{runId}']");
        Assert.Equal("Running", row.GetAttribute("data-status"));
        Assert.Equal("40", row.QuerySelector("[role=progressbar]")!.GetAttribute("aria-valuenow"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=cancel-job]").Click());

        cut.WaitForAssertion(() => Assert.Equal("Cancelled", cut.Find($"[data-job-id='{runId}']").GetAttribute("data-status")), Wait);
        Assert.NotNull(cut.Find($"[data-job-id='{runId}'] [data-testid=retry-job]"));
        await using (var db = _factory.Database.CreateContext())
        {
            Assert.Equal(JobStatus.Cancelled, (await db.JobRuns.SingleAsync(j => j.Id == runId, Cancel)).Status);
        }

        await cut.InvokeAsync(() => cut.Find("[data-testid=retrain-now]").Click());
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=job-run]").Count), Wait);
        Assert.Equal("Queued", cut.FindAll("[data-testid=job-run]")[0].GetAttribute("data-status"));
    }

    [Fact]
    public async Task The_job_list_picks_up_a_run_that_starts_later()
    {
        var id = await CreateProjectAsync($"later-{Guid.NewGuid():N}");
        _context.SignIn("an-admin", Roles.Admin);
        var cut = _context.Render<JobList>(p => p.Add(x => x.ProjectId, id).Add(x => x.CanManage, true));
        Assert.NotNull(cut.Find("[data-testid=no-jobs]"));

        await using (var db = _factory.Database.CreateContext())
        {
            db.JobRuns.Add(new JobRun { ProjectId = id, Kind = JobKind.Import, Status = JobStatus.Running, Progress = 10, Message = "Importing", CreatedUtc = DateTime.UnixEpoch });
            await db.SaveChangesAsync(Cancel);
        }

        cut.WaitForAssertion(() => Assert.Equal("Running", cut.Find("[data-testid=job-run]").GetAttribute("data-status")), Wait);
    }

    [Fact]
    public async Task An_annotator_sees_the_jobs_without_buttons_and_the_service_refuses_a_cancel()
    {
        var id = await CreateProjectAsync($"watch-{Guid.NewGuid():N}");
        var userId = await CreateUserAsync(Roles.Annotator);
        await Projects.AddMemberAsync(Caller.System, id, userId, Cancel);
        long runId;
        await using (var db = _factory.Database.CreateContext())
        {
            var run = new JobRun { ProjectId = id, Kind = JobKind.Train, Status = JobStatus.Queued, Message = "Queued", CreatedUtc = DateTime.UnixEpoch };
            db.JobRuns.Add(run);
            await db.SaveChangesAsync(Cancel);
            runId = run.Id;
        }
        _context.SignIn(userId, Roles.Annotator);

        var cut = _context.Render<JobList>(p => p.Add(x => x.ProjectId, id));
        // A tampered page could still show the buttons: the click is refused on the server.
        var forged = _context.Render<JobList>(p => p.Add(x => x.ProjectId, id).Add(x => x.CanManage, true));
        await forged.InvokeAsync(() => forged.Find("[data-testid=cancel-job]").Click());

        Assert.NotNull(cut.Find($"[data-job-id='{runId}']"));
        Assert.Empty(cut.FindAll("[data-testid=cancel-job], [data-testid=retrain-now]"));
        await using (var db = _factory.Database.CreateContext())
        {
            Assert.Equal(JobStatus.Queued, (await db.JobRuns.SingleAsync(j => j.Id == runId, Cancel)).Status);
        }
    }

    [Fact]
    public async Task The_dashboards_detailed_job_list_retries_a_failed_training()
    {
        var id = await CreateProjectAsync($"retry-{Guid.NewGuid():N}");
        long runId;
        await using (var db = _factory.Database.CreateContext())
        {
            var run = new JobRun { ProjectId = id, Kind = JobKind.Train, Status = JobStatus.Failed, Message = "Failed", Error = "boom", Node = "node-a/42", CreatedUtc = DateTime.UnixEpoch, StartedUtc = DateTime.UnixEpoch, FinishedUtc = DateTime.UnixEpoch.AddSeconds(3) };
            db.JobRuns.Add(run);
            await db.SaveChangesAsync(Cancel);
            runId = run.Id;
        }
        _context.SignIn("an-admin", Roles.Admin);
        var cut = _context.Render<JobList>(p => p.Add(x => x.ProjectId, id).Add(x => x.CanManage, true).Add(x => x.Detailed, true).Add(x => x.Limit, 50));

        Assert.Equal("node-a/42", cut.Find("[data-testid=job-node]").Text());
        await cut.InvokeAsync(() => cut.Find($"[data-job-id='{runId}'] [data-testid=retry-job]").Click());

        cut.WaitForAssertion(() => Assert.Equal(["Queued", "Failed"], cut.FindAll("[data-testid=job-run]").Select(r => r.GetAttribute("data-status"))), Wait);
    }
}
