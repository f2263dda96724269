using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Pages;

/// <summary>The dashboard, the item page, the stats API and the admin page: who may see them, and their forms.</summary>
public sealed class DashboardPagesTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static readonly string[] Tabs = ["", "/model", "/annotators", "/jobs", "/settings", "/simulation"];

    private static readonly string[] StatsPaths = ["/stats", "/stats/annotators", "/stats/agreement"];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static Uri Url(string path) => new(path, UriKind.Relative);

    private ProjectService Projects => factory.Services.GetRequiredService<ProjectService>();

    private Task<int> CreateProjectAsync() =>
        Projects.CreateAsync(Caller.System, new ProjectInput($"dash-{Guid.NewGuid():N}", ProjectKind.Text, [new LabelSpec("a"), new LabelSpec("b")]), Cancel);

    private static IEnumerable<string> ProjectPaths(int project, long item = 1) =>
        Tabs.Select(t => $"/projects/{project}/dashboard{t}").Append($"/projects/{project}/items/{item}");

    [Fact]
    public async Task Anonymous_users_are_sent_to_login_and_the_api_answers_401()
    {
        var project = await CreateProjectAsync();
        using var client = factory.CreateBrowserClient();

        foreach (var path in ProjectPaths(project).Append("/admin"))
        {
            using var response = await client.GetAsync(Url(path), Cancel);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/login?ReturnUrl=", Html.RedirectTarget(response), StringComparison.Ordinal);
        }
        using var api = await client.GetAsync(Url($"/api/v1/projects/{project}/stats"), Cancel);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task Annotators_get_403_on_every_dashboard_page_member_or_not_and_on_the_admin_page()
    {
        var outsiderProject = await CreateProjectAsync();
        var memberProject = await CreateProjectAsync();
        var (client, userId, _) = await factory.CreateLoggedInClientAsync(Roles.Annotator);
        await Projects.AddMemberAsync(Caller.System, memberProject, userId, Cancel);
        using (client)
        {
            foreach (var path in ProjectPaths(outsiderProject).Concat(ProjectPaths(memberProject)).Append("/admin")
                .Concat(StatsPaths.Select(p => $"/api/v1/projects/{memberProject}{p}")))
            {
                using var response = await client.GetAsync(Url(path), Cancel);
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{path} answered {(int)response.StatusCode}");
            }
        }
    }

    [Fact]
    public async Task Admins_see_every_tab_and_the_stats_api()
    {
        var project = await CreateProjectAsync();
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            foreach (var tab in Tabs)
            {
                using var response = await client.GetAsync(Url($"/projects/{project}/dashboard{tab}"), Cancel);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var page = await Html.ParseAsync(response);
                // Each tab's URL opens that tab, prerendered.
                var key = tab.Length == 0 ? "overview" : tab[1..];
                Assert.Equal(key, page.QuerySelector("[data-testid=dashboard-tabs]")!.GetAttribute("data-tab"));
                Assert.NotNull(page.QuerySelector("[data-testid=dashboard-tabs] .mud-tab-active"));
            }
            var overview = await Html.ParseAsync(await client.GetAsync(Url($"/projects/{project}/dashboard"), Cancel));
            Assert.Equal("0", overview.QuerySelector("[data-state=unlabeled]")!.Text());
            Assert.NotNull(overview.QuerySelector("[data-testid=empty-overview]"));
            // The annotators tab's first response waits for its numbers (the circuit counts them once), with no table yet.
            var annotators = await Html.ParseAsync(await client.GetAsync(Url($"/projects/{project}/dashboard/annotators"), Cancel));
            Assert.NotNull(annotators.QuerySelector("[data-testid=annotators-loading]"));
            Assert.Null(annotators.QuerySelector("[data-testid=annotator-table], [data-testid=empty-annotators]"));
            var simulation = await Html.ParseAsync(await client.GetAsync(Url($"/projects/{project}/dashboard/simulation"), Cancel));
            Assert.Contains("No simulation yet", simulation.QuerySelector("[data-testid=empty-simulation]")!.Text(), StringComparison.Ordinal);
            Assert.StartsWith("labelloop simulate ", simulation.QuerySelector("[data-testid=simulate-command]")!.Text(), StringComparison.Ordinal);
            Assert.NotNull(simulation.QuerySelector("[data-testid=simulate-start]"));
            // The simulate button calls the job queue inside the circuit: the old form endpoint is gone.
            using (var post = await client.PostAsync(Url($"/projects/{project}/simulate"), new FormUrlEncodedContent([]), Cancel))
            {
                Assert.NotEqual(HttpStatusCode.Redirect, post.StatusCode);
                Assert.False(post.IsSuccessStatusCode);
            }

            var stats = await client.GetFromJsonAsync<JsonElement>(Url($"/api/v1/projects/{project}/stats"), Cancel);
            Assert.Equal(0, stats.GetProperty("overview").GetProperty("states").GetProperty("items").GetInt32());
            Assert.Equal("NotEnoughData", stats.GetProperty("model").GetProperty("stopping").GetProperty("state").GetString());
            var agreement = await client.GetFromJsonAsync<JsonElement>(Url($"/api/v1/projects/{project}/stats/agreement"), Cancel);
            Assert.Equal(0, agreement.GetProperty("overlappedItems").GetInt32());
            using var unknownTab = await client.GetAsync(Url($"/projects/{project}/dashboard/nonsense"), Cancel);
            Assert.Equal(HttpStatusCode.NotFound, unknownTab.StatusCode);
            using var missing = await client.GetAsync(Url("/projects/999999/dashboard"), Cancel);
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }
    }

    [Fact]
    public async Task Reviewers_who_are_members_read_the_dashboard_but_cannot_change_settings()
    {
        var project = await CreateProjectAsync();
        var (client, userId, _) = await factory.CreateLoggedInClientAsync(Roles.Reviewer);
        await Projects.AddMemberAsync(Caller.System, project, userId, Cancel);
        using (client)
        {
            using var settings = await client.GetAsync(Url($"/projects/{project}/dashboard/settings"), Cancel);
            using var stats = await client.GetAsync(Url($"/api/v1/projects/{project}/stats/annotators"), Cancel);
            using var admin = await client.GetAsync(Url("/admin"), Cancel);

            Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
            var page = await Html.ParseAsync(settings);
            Assert.Equal("true", page.QuerySelector("[data-testid=loop-settings-form]")!.GetAttribute("data-readonly"));
            Assert.True(page.QuerySelector("input#committeeSize")!.HasAttribute("disabled"));
            Assert.Null(page.QuerySelector("[data-testid=save-settings]"));
            Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        }
    }

    [Fact]
    public async Task The_jobs_tab_shows_node_and_duration_and_offers_retry_of_a_failed_training()
    {
        var project = await CreateProjectAsync();
        await using (var db = factory.Database.CreateContext())
        {
            db.JobRuns.Add(new JobRun
            {
                ProjectId = project,
                Kind = JobKind.Train,
                Status = JobStatus.Failed,
                Message = "Failed",
                Error = "boom",
                Node = "node-a/42",
                CreatedUtc = DateTime.UnixEpoch,
                StartedUtc = DateTime.UnixEpoch,
                FinishedUtc = DateTime.UnixEpoch.AddSeconds(3),
            });
            await db.SaveChangesAsync(Cancel);
        }
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            var page = await Html.ParseAsync(await client.GetAsync(Url($"/projects/{project}/dashboard/jobs"), Cancel));
            var run = page.QuerySelector("[data-testid=job-run]")!;
            Assert.Equal("node-a/42", run.QuerySelector("[data-testid=job-node]")!.Text());
            Assert.Contains("(3.0 s)", run.QuerySelector("[data-testid=job-time]")!.Text(), StringComparison.Ordinal);
            // The retry itself runs in the circuit: see ProjectComponentTests.
            Assert.NotNull(run.QuerySelector("[data-testid=retry-job]"));
        }
    }

    [Fact]
    public async Task The_item_page_shows_the_text_the_answers_and_the_active_models_prediction()
    {
        var project = await CreateProjectAsync();
        var annotatorEmail = $"ann-{Guid.NewGuid():N}@example.org";
        var annotator = await factory.CreateUserAsync(annotatorEmail, "Passw0rd-for-tests", Roles.Annotator);
        long itemId;
        await using (var db = factory.Database.CreateContext())
        {
            var item = new LabelLoop.Core.Items.Item
            {
                ProjectId = project,
                ContentHash = Guid.NewGuid().ToString("N"),
                ExternalId = "x",
                Text = "<b>bold</b> claim",
                Status = LabelLoop.Core.Items.ItemStatus.Unlabeled,
                GroundTruth = "b",
                CreatedUtc = DateTime.UnixEpoch,
            };
            db.Items.Add(item);
            var version = new LabelLoop.Core.Models.ModelVersion { ProjectId = project, Version = 1, IsActive = true, CreatedUtc = DateTime.UnixEpoch };
            db.ModelVersions.Add(version);
            await db.SaveChangesAsync(Cancel);
            db.Predictions.Add(new LabelLoop.Core.Predictions.Prediction { ItemId = item.Id, ModelVersionId = version.Id, Label = "b", Probabilities = [0.3f, 0.7f], Score = 0.6, Rank = 1 });
            db.Annotations.Add(new LabelLoop.Core.Annotations.Annotation { ItemId = item.Id, ProjectId = project, UserId = annotator, WasSkipped = true, LeadTimeSeconds = 2, CreatedUtc = DateTime.UnixEpoch });
            await db.SaveChangesAsync(Cancel);
            itemId = item.Id;
        }
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            using var response = await client.GetAsync(Url($"/projects/{project}/items/{itemId}"), Cancel);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await Html.ParseAsync(response);
            Assert.Equal("<b>bold</b> claim", page.QuerySelector("[data-testid=item-text]")!.TextContent);
            Assert.Contains("Version 1 guesses b", page.QuerySelector("[data-testid=prediction]")!.Text(), StringComparison.Ordinal);
            Assert.Contains(annotatorEmail, page.QuerySelector("[data-testid=answers]")!.Text(), StringComparison.Ordinal);
            Assert.Contains("skipped", page.QuerySelector("[data-testid=answers]")!.Text(), StringComparison.Ordinal);
            using var otherProject = await client.GetAsync(Url($"/projects/{await CreateProjectAsync()}/items/{itemId}"), Cancel);
            Assert.Equal(HttpStatusCode.NotFound, otherProject.StatusCode);
        }
    }
}
