using Bunit;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Items;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Jobs;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using LabelLoop.Web.Components.Pages.Dashboard;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Extensions;
using Xunit;

namespace LabelLoop.Web.Tests.Components;

/// <summary>
/// The dashboard's interactive parts on the real application and a real SQLite database: the settings form saves
/// through the service and lists the change, shows the service's messages by field, and stays read-only for
/// non-admins; the page renders the overview's counts, its empty states, and starts a simulation.
/// </summary>
public sealed class DashboardInteractiveTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static CancellationToken Cancel => Xunit.TestContext.Current.CancellationToken;

    private ProjectService Projects => factory.Services.GetRequiredService<ProjectService>();

    private LoopSettingsService Loop => factory.Services.GetRequiredService<LoopSettingsService>();

    private Task<int> CreateProjectAsync(ProjectKind kind = ProjectKind.Text) =>
        Projects.CreateAsync(Caller.System, new ProjectInput($"dash-{Guid.NewGuid():N}", kind, [new LabelSpec("a"), new LabelSpec("b")]), Cancel);

    private async Task<(MudBunitContext Context, string Email)> SignedInAsync(string role, int? memberOf = null, IConfiguration? configuration = null)
    {
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.org";
        var userId = await factory.CreateUserAsync(email, "Passw0rd-for-tests", role);
        if (memberOf is { } project)
        {
            await Projects.AddMemberAsync(Caller.System, project, userId, Cancel);
        }
        var context = new MudBunitContext(factory.Services);
        context.SignIn(userId, role, email);
        if (configuration is not null)
        {
            context.Services.AddSingleton(configuration);
        }
        context.Render<MudPopoverProvider>();
        return (context, email);
    }

    private static IRenderedComponent<LoopSettingsPanel> RenderSettings(BunitContext context, int project, bool image = false)
    {
        var cut = context.Render<LoopSettingsPanel>(p => p.Add(x => x.ProjectId, project).Add(x => x.IsImageProject, image));
        cut.WaitForElement("[data-testid=loop-settings-form]");
        return cut;
    }

    private static Task SetAsync<T>(IRenderedComponent<LoopSettingsPanel> cut, string label, T value) where T : notnull
    {
        var field = cut.FindComponents<MudSelect<T>>().Single(s => s.Instance.Label == label);
        return cut.InvokeAsync(() => field.Instance.ValueChanged.InvokeAsync(value));
    }

    [Fact]
    public async Task An_admin_changes_the_strategy_and_budget_and_the_change_is_stored_and_listed()
    {
        var project = await CreateProjectAsync();
        var (context, email) = await SignedInAsync(Roles.Admin);
        await using var _ = context;
        var cut = RenderSettings(context, project);
        Assert.NotNull(cut.Find("[data-testid=empty-history]"));

        await SetAsync(cut, "Query strategy", "entropy");
        cut.Find("input#labelBudget").Change("300");
        cut.Find("[data-testid=save-settings]").Click();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=settings-history] tbody tr")));
        var settings = await Loop.GetAsync(Caller.System, project, Cancel);
        Assert.Equal(("entropy", (int?)300), (settings.Strategy, settings.LabelBudget));
        var rows = cut.FindAll("[data-testid=settings-history] tbody tr").Select(r => r.TextContent).ToList();
        Assert.Contains(rows, r => r.Contains(email, StringComparison.Ordinal) && r.Contains("strategy", StringComparison.Ordinal) && r.Contains("margin+diverse → entropy", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("labelBudget", StringComparison.Ordinal) && r.Contains("none → 300", StringComparison.Ordinal));
        Assert.Empty(cut.FindAll("[data-testid=error-summary]"));

        // Clearing the warm-start box trains every version from scratch.
        Assert.True(settings.WarmStart);
        var warm = cut.FindComponents<MudCheckBox<bool>>().Single(c => c.Instance.Label == "Continue from the previous model");
        await cut.InvokeAsync(() => warm.Instance.ValueChanged.InvokeAsync(false));
        cut.Find("[data-testid=save-settings]").Click();
        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll("[data-testid=settings-history] tbody tr"), r => r.TextContent.Contains("warmStart", StringComparison.Ordinal)));
        Assert.False((await Loop.GetAsync(Caller.System, project, Cancel)).WarmStart);
    }

    [Fact]
    public async Task Invalid_settings_show_the_services_messages_by_field_and_store_nothing()
    {
        var project = await CreateProjectAsync();
        var (context, _) = await SignedInAsync(Roles.Admin);
        await using var _ = context;
        var cut = RenderSettings(context, project);

        cut.Find("input#retrainEvery").Change("200000");
        cut.Find("input#batchSize").Change("");
        cut.Find("[data-testid=save-settings]").Click();

        cut.WaitForElement("[data-testid=error-summary]");
        var fields = cut.FindAll("[data-testid=error-summary] li").Select(li => li.GetAttribute("data-field")).ToList();
        Assert.Contains("retrainEvery", fields);
        Assert.Contains("batchSize", fields);
        var retrain = cut.FindComponents<MudNumericField<int?>>().Single(f => f.Instance.GetState(x => x.InputId) == "retrainEvery");
        Assert.True(retrain.Instance.GetState(x => x.Error));
        Assert.Equal("Between 0 (off) and 100000.", retrain.Instance.GetState(x => x.ErrorText));
        Assert.Contains("Between 0 (off) and 100000.", cut.Markup, StringComparison.Ordinal);
        // What was typed stays in the form; nothing is stored.
        Assert.Equal("200000", cut.Find("input#retrainEvery").GetAttribute("value"));
        Assert.NotEqual(200000, (await Loop.GetAsync(Caller.System, project, Cancel)).RetrainEvery);
        Assert.Empty(await Loop.HistoryAsync(Caller.System, project, cancellationToken: Cancel));
    }

    [Fact]
    public async Task A_reviewer_sees_the_settings_read_only_and_the_service_refuses_a_change()
    {
        var project = await CreateProjectAsync();
        var (context, _) = await SignedInAsync(Roles.Reviewer, memberOf: project);
        await using var _ = context;
        var cut = RenderSettings(context, project);

        Assert.Empty(cut.FindAll("[data-testid=save-settings]"));
        Assert.Equal("true", cut.Find("[data-testid=loop-settings-form]").GetAttribute("data-readonly"));
        Assert.All(cut.FindComponents<MudNumericField<int?>>(), f => Assert.True(f.Instance.Disabled));
        Assert.All(cut.FindAll("input#committeeSize, input#batchSize"), i => Assert.True(i.HasAttribute("disabled")));
        var reviewer = new Caller(Guid.NewGuid().ToString(), IsAdmin: false, IsReviewer: true);
        var settings = await Loop.GetAsync(Caller.System, project, Cancel);
        await Assert.ThrowsAsync<AccessDeniedException>(() => Loop.UpdateAsync(reviewer, project, settings with { Strategy = "entropy" }, Cancel));
    }

    [Fact]
    public async Task Image_projects_offer_their_colour_mode_and_text_projects_their_text_model()
    {
        var image = await CreateProjectAsync(ProjectKind.Image);
        var text = await CreateProjectAsync();
        var (context, _) = await SignedInAsync(Roles.Admin);
        await using var _ = context;

        var imageForm = RenderSettings(context, image, image: true);
        var textForm = RenderSettings(context, text);

        Assert.Single(imageForm.FindComponents<MudSelect<ImageColour?>>());
        Assert.Empty(imageForm.FindComponents<MudSelect<TextModel>>());
        Assert.Empty(textForm.FindComponents<MudSelect<ImageColour?>>());
        Assert.Single(textForm.FindComponents<MudSelect<TextModel>>());
        var strategy = textForm.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Query strategy");
        Assert.Equal("margin+diverse", strategy.Instance.GetState(x => x.Value));

        // Pretraining serves images and the neural text model; the caption says so for the linear one.
        Assert.Contains("models start from it", imageForm.Markup, StringComparison.Ordinal);
        Assert.Contains("the linear one reads words, not an encoder", textForm.Markup, StringComparison.Ordinal);
        await SetAsync(textForm, "Text model", TextModel.Neural);
        textForm.WaitForAssertion(() => Assert.Contains("models start from it", textForm.Markup, StringComparison.Ordinal));
        Assert.DoesNotContain("the linear one reads words", textForm.Markup, StringComparison.Ordinal);
    }

    private static IRenderedComponent<ProjectDashboard> RenderPage(BunitContext context, int project, string? tab) =>
        context.Render<ProjectDashboard>(p => p.Add(x => x.ProjectId, project).Add(x => x.Tab, tab));

    [Fact]
    public async Task The_overview_renders_its_counts_and_charts_on_the_real_database()
    {
        var project = await CreateProjectAsync();
        await using (var db = factory.Database.CreateContext())
        {
            for (var i = 0; i < 5; i++)
            {
                db.Items.Add(new Item
                {
                    ProjectId = project,
                    ContentHash = Guid.NewGuid().ToString("N"),
                    ExternalId = $"x{i}",
                    Text = $"item {i}",
                    Status = i < 2 ? ItemStatus.Labeled : ItemStatus.Unlabeled,
                    CreatedUtc = DateTime.UnixEpoch,
                });
            }
            await db.SaveChangesAsync(Cancel);
            await db.Projects.Where(p => p.Id == project).ExecuteUpdateAsync(s => s.SetProperty(p => p.ItemCount, 5), Cancel);
        }
        var (context, _) = await SignedInAsync(Roles.Admin);
        await using var _ = context;

        var cut = RenderPage(context, project, null);

        cut.WaitForAssertion(() => Assert.Equal("3", cut.Find("[data-state=unlabeled]").TextContent));
        Assert.Equal("2", cut.Find("[data-state=labeled]").TextContent);
        Assert.Equal("overview", cut.Find("[data-testid=dashboard-tabs]").GetAttribute("data-tab"));
        Assert.NotNull(cut.Find("#chart-states svg"));
        Assert.NotNull(cut.Find("[data-testid=empty-distribution]"));
    }

    [Fact]
    public async Task The_annotators_tab_counts_each_persons_labels_in_the_circuit()
    {
        var project = await CreateProjectAsync();
        var annotatorEmail = $"ann-{Guid.NewGuid():N}@example.org";
        var annotator = await factory.CreateUserAsync(annotatorEmail, "Passw0rd-for-tests", Roles.Annotator);
        await using (var db = factory.Database.CreateContext())
        {
            for (var i = 0; i < 3; i++)
            {
                var item = new Item
                {
                    ProjectId = project,
                    ContentHash = Guid.NewGuid().ToString("N"),
                    ExternalId = $"x{i}",
                    Text = $"item {i}",
                    Status = ItemStatus.Labeled,
                    CreatedUtc = DateTime.UnixEpoch,
                };
                db.Items.Add(item);
                await db.SaveChangesAsync(Cancel);
                db.Annotations.Add(new LabelLoop.Core.Annotations.Annotation
                {
                    ItemId = item.Id,
                    ProjectId = project,
                    UserId = annotator,
                    Label = "a",
                    LeadTimeSeconds = 2,
                    CreatedUtc = DateTime.UnixEpoch.AddDays(1),
                });
            }
            await db.SaveChangesAsync(Cancel);
        }
        var (context, _) = await SignedInAsync(Roles.Admin);
        await using var _ = context;

        var cut = RenderPage(context, project, "annotators");

        cut.WaitForAssertion(() => Assert.Equal("3", cut.Find($"[data-annotator='{annotatorEmail}'] [data-col=labels]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=annotators-loading]"));
    }

    [Fact]
    public async Task Empty_projects_say_what_to_do_on_the_overview_and_the_model_tab()
    {
        var project = await CreateProjectAsync();
        var (context, _) = await SignedInAsync(Roles.Admin);
        await using var _ = context;

        var overview = RenderPage(context, project, null);
        var model = RenderPage(context, project, "model");

        overview.WaitForElement("[data-testid=empty-overview]");
        Assert.Equal("0", overview.Find("[data-state=unlabeled]").TextContent);
        Assert.Empty(overview.FindAll("canvas"));
        model.WaitForElement("[data-testid=empty-curve]");
        Assert.Contains("No model yet", model.Find("[data-testid=empty-curve]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(model.Find("[data-testid=empty-current]"));
        Assert.Equal("model", model.Find("[data-testid=dashboard-tabs]").GetAttribute("data-tab"));
    }

    [Fact]
    public async Task An_admin_starts_a_simulation_from_its_tab_and_sees_it_queued()
    {
        var project = await CreateProjectAsync();
        var (context, _) = await SignedInAsync(Roles.Admin);
        await using var _ = context;
        var cut = RenderPage(context, project, "simulation");
        cut.WaitForElement("[data-testid=empty-simulation]");
        Assert.Empty(cut.FindAll("[data-testid=simulation-pending]"));

        cut.Find("[data-testid=simulate-start]").Click();

        cut.WaitForAssertion(() => Assert.Contains("queued", cut.Find("[data-testid=simulation-pending]").TextContent, StringComparison.Ordinal));
        var runs = await factory.Services.GetRequiredService<JobRunService>().ListAsync(Caller.System, project, 10, Cancel);
        Assert.Contains(runs, r => r.Kind == JobKind.Simulate);
    }

    [Fact]
    public async Task A_reviewer_has_no_simulate_button()
    {
        var project = await CreateProjectAsync();
        var (context, _) = await SignedInAsync(Roles.Reviewer, memberOf: project);
        await using var _ = context;

        var cut = RenderPage(context, project, "simulation");

        cut.WaitForElement("[data-testid=simulate-command]");
        Assert.Empty(cut.FindAll("[data-testid=simulate-start]"));
    }

    [Fact]
    public async Task Items_imported_on_this_node_show_on_the_open_dashboard_without_a_refresh_by_the_clock()
    {
        var project = await CreateProjectAsync();
        // No refresh by the clock within the test: only the commit's signal can bring the new numbers.
        var (context, _) = await SignedInAsync(Roles.Admin, configuration: new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Dashboard:RefreshSeconds"] = "3600" }).Build());
        await using var _ = context;
        var cut = RenderPage(context, project, null);
        cut.WaitForElement("[data-testid=empty-overview]");

        var bytes = System.Text.Encoding.UTF8.GetBytes("{\"text\":\"one\"}\n{\"text\":\"two\"}\n");
        var report = await factory.Services.GetRequiredService<LabelLoop.Data.Import.ImportService>().ImportAsync(project,
            new LabelLoop.Core.Import.ImportListing([new LabelLoop.Core.Import.ImportEntry("items.jsonl", bytes.Length, () => new MemoryStream(bytes))], []),
            cancellationToken: Cancel);
        Assert.Equal(2, report.Added);

        cut.WaitForAssertion(() => Assert.Equal("2", cut.Find("[data-state=unlabeled]").TextContent), ProjectDashboard.RefreshInterval * 3);
        Assert.StartsWith("2 items", cut.Find("[data-testid=header-counts]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_model_version_is_announced_on_the_open_dashboard()
    {
        var project = await CreateProjectAsync();
        var (context, _) = await SignedInAsync(Roles.Admin);
        await using var _ = context;
        var cut = RenderPage(context, project, null);
        cut.WaitForElement("[data-testid=empty-overview]");

        await using (var db = factory.Database.CreateContext())
        {
            db.ModelVersions.Add(new LabelLoop.Core.Models.ModelVersion { ProjectId = project, Version = 1, IsActive = true, CreatedUtc = DateTime.UnixEpoch });
            await db.SaveChangesAsync(Cancel);
        }

        var snackbar = context.Services.GetRequiredService<ISnackbar>();
        cut.WaitForAssertion(
            () => Assert.Contains(snackbar.ShownSnackbars, s => s.Message == "New ranking from model v1"),
            ProjectDashboard.RefreshInterval * 3);
    }

    [Fact]
    public async Task A_refresh_leaves_the_tab_strip_alone_and_a_tab_clicked_across_it_lands()
    {
        var project = await CreateProjectAsync();
        var (context, _) = await SignedInAsync(Roles.Admin);
        await using var _ = context;
        var cut = RenderPage(context, project, null);
        cut.WaitForElement("[data-testid=empty-overview]");
        var tabs = cut.FindComponent<MudTabs>();
        var tabRenders = tabs.RenderCount;
        var panelRenders = cut.FindComponents<MudTabPanel>().Select(p => p.RenderCount).ToList();
        var tabStrip = cut.Find("[data-testid=dashboard-tabs] .mud-tabs-tabbar").OuterHtml;
        // Found before the refresh, clicked after it: a browser's click on the headers it has on screen.
        var modelTab = cut.FindAll("[data-testid=dashboard-tabs] .mud-tab").Single(t => t.TextContent.Trim() == "Model");

        await using (var db = factory.Database.CreateContext())
        {
            db.Items.Add(new Item { ProjectId = project, ContentHash = Guid.NewGuid().ToString("N"), ExternalId = "new", Text = "new", CreatedUtc = DateTime.UnixEpoch });
            await db.SaveChangesAsync(Cancel);
            await db.Projects.Where(p => p.Id == project).ExecuteUpdateAsync(s => s.SetProperty(p => p.ItemCount, 1), Cancel);
        }
        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-state=unlabeled]").TextContent), ProjectDashboard.RefreshInterval * 3);
        Assert.StartsWith("1 items", cut.Find("[data-testid=header-counts]").TextContent, StringComparison.Ordinal);

        Assert.Equal(tabRenders, tabs.RenderCount);
        Assert.Equal(panelRenders, cut.FindComponents<MudTabPanel>().Select(p => p.RenderCount).ToList());
        Assert.Equal(tabStrip, cut.Find("[data-testid=dashboard-tabs] .mud-tabs-tabbar").OuterHtml);
        modelTab.Click();
        Assert.EndsWith($"/projects/{project}/dashboard/model", context.Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }
}
