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

namespace LabelLoop.Web.Tests.Api;

public sealed class JobsApiTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<int> CreateProjectAsync() =>
        await factory.Services.GetRequiredService<ProjectService>().CreateAsync(Caller.System,
            new ProjectInput($"jobs-{Guid.NewGuid():N}", ProjectKind.Image, [new LabelSpec("a"), new LabelSpec("b")]), Cancel);

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);

    [Fact]
    public async Task Retrain_queues_one_run_shows_it_in_the_list_and_cancel_ends_it()
    {
        var (admin, _, _) = await factory.CreateApiClientAsync(Roles.Admin);
        var project = await CreateProjectAsync();

        using var empty = await admin.GetAsync(new Uri($"/api/v1/projects/{project}/jobs", UriKind.Relative), Cancel);
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        Assert.Equal(0, (await ReadAsync(empty)).GetProperty("items").GetArrayLength());

        using var first = await admin.PostAsync(new Uri($"/api/v1/projects/{project}/jobs/retrain", UriKind.Relative), null, Cancel);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var run = await ReadAsync(first);
        var id = run.GetProperty("id").GetInt64();
        Assert.Equal("Queued", run.GetProperty("status").GetString());
        Assert.Equal("Train", run.GetProperty("kind").GetString());
        Assert.Equal($"/api/v1/jobs/{id}", first.Headers.Location?.OriginalString);

        // Debounced: a second request while one is queued answers with the same run.
        using var second = await admin.PostAsync(new Uri($"/api/v1/projects/{project}/jobs/retrain", UriKind.Relative), null, Cancel);
        Assert.Equal(id, (await ReadAsync(second)).GetProperty("id").GetInt64());

        using var list = await admin.GetAsync(new Uri($"/api/v1/projects/{project}/jobs", UriKind.Relative), Cancel);
        var rows = (await ReadAsync(list)).GetProperty("items");
        Assert.Equal(1, rows.GetArrayLength());
        Assert.Equal(id, rows[0].GetProperty("id").GetInt64());

        using var cancelled = await admin.PostAsync(new Uri($"/api/v1/jobs/{id}/cancel", UriKind.Relative), null, Cancel);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("Cancelled", (await ReadAsync(cancelled)).GetProperty("status").GetString());

        using var one = await admin.GetAsync(new Uri($"/api/v1/jobs/{id}", UriKind.Relative), Cancel);
        Assert.Equal("Cancelled", (await ReadAsync(one)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Job_runs_are_paged_newest_first_and_tokens_need_the_admin_scope_to_retrain_or_cancel()
    {
        var kit = new ApiKit(factory);
        var project = await CreateProjectAsync();
        await using (var db = factory.Database.CreateContext())
        {
            for (var i = 0; i < 5; i++)
            {
                db.JobRuns.Add(new JobRun { ProjectId = project, Kind = JobKind.Train, Status = JobStatus.Succeeded, CreatedUtc = DateTime.UnixEpoch.AddMinutes(i) });
            }
            await db.SaveChangesAsync(Cancel);
        }
        var (adminId, readToken) = await kit.AccountAsync(Roles.Admin, ApiScopes.Read);
        var adminToken = await kit.TokenAsync(adminId, ApiScopes.Admin);

        var ids = await kit.AllIdsAsync($"/api/v1/projects/{project}/jobs", readToken, limit: 2);
        Assert.Equal(5, ids.Count);
        Assert.Equal(ids.OrderDescending(), ids);
        Assert.Equal(ids, await kit.AllIdsAsync($"/api/v1/projects/{project}/jobs", readToken, limit: 2));

        using var readRetrain = await kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/jobs/retrain", readToken);
        await ApiKit.ProblemAsync(readRetrain, HttpStatusCode.Forbidden);
        using var retrain = await kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/jobs/retrain", adminToken);
        Assert.Equal(HttpStatusCode.Accepted, retrain.StatusCode);
        var run = (await ReadAsync(retrain)).GetProperty("id").GetInt64();
        using var readCancel = await kit.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{run}/cancel", readToken);
        await ApiKit.ProblemAsync(readCancel, HttpStatusCode.Forbidden);
        using var cancel = await kit.SendAsync(HttpMethod.Post, $"/api/v1/jobs/{run}/cancel", adminToken);
        Assert.Equal("Cancelled", (await ReadAsync(cancel)).GetProperty("status").GetString());
        using var missing = await kit.SendAsync(HttpMethod.Get, "/api/v1/jobs/99999999", readToken);
        await ApiKit.ProblemAsync(missing, HttpStatusCode.NotFound);
        using var missingCancel = await kit.SendAsync(HttpMethod.Post, "/api/v1/jobs/99999999/cancel", adminToken);
        await ApiKit.ProblemAsync(missingCancel, HttpStatusCode.NotFound);
        using var anonymous = await kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/jobs", null);
        await ApiKit.ProblemAsync(anonymous, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Annotators_may_watch_jobs_but_not_start_or_cancel_them()
    {
        var (annotator, userId, _) = await factory.CreateApiClientAsync(Roles.Annotator);
        var project = await CreateProjectAsync();
        await factory.Services.GetRequiredService<ProjectService>().AddMemberAsync(Caller.System, project, userId, Cancel);

        using var list = await annotator.GetAsync(new Uri($"/api/v1/projects/{project}/jobs", UriKind.Relative), Cancel);
        using var retrain = await annotator.PostAsync(new Uri($"/api/v1/projects/{project}/jobs/retrain", UriKind.Relative), null, Cancel);
        using var cancel = await annotator.PostAsync(new Uri("/api/v1/jobs/1/cancel", UriKind.Relative), null, Cancel);

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, retrain.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, cancel.StatusCode);
    }

    [Fact]
    public async Task A_failed_job_shows_its_error_as_is_in_the_api_and_the_project_page()
    {
        var (admin, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        var project = await CreateProjectAsync();
        await using (var db = factory.Database.CreateContext())
        {
            db.JobRuns.Add(new JobRun
            {
                ProjectId = project,
                Kind = JobKind.Train,
                Status = JobStatus.Failed,
                Message = "Failed",
                Error = "Project has 1 label(s); a model needs <at least two> classes.",
                CreatedUtc = DateTime.UnixEpoch,
            });
            await db.SaveChangesAsync(Cancel);
        }

        using var list = await admin.GetAsync(new Uri($"/api/v1/projects/{project}/jobs", UriKind.Relative), Cancel);
        var row = (await ReadAsync(list)).GetProperty("items")[0];
        Assert.Equal("Failed", row.GetProperty("status").GetString());
        Assert.Equal("Project has 1 label(s); a model needs <at least two> classes.", row.GetProperty("error").GetString());

        var html = await admin.GetStringAsync(new Uri($"/projects/{project}", UriKind.Relative), Cancel);
        Assert.Contains("data-status=\"Failed\"", html);
        Assert.Contains("a model needs &lt;at least two&gt; classes.", html);
    }

    [Fact]
    public async Task The_project_page_shows_the_job_list_and_offers_retrain_to_admins()
    {
        var (admin, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        var project = await CreateProjectAsync();

        var html = await admin.GetStringAsync(new Uri($"/projects/{project}", UriKind.Relative), Cancel);

        Assert.Contains("id=\"job-list\"", html);
        Assert.DoesNotContain("hx-get", html);
        Assert.Contains("data-testid=\"retrain-now\"", html);
    }

    [Fact]
    public async Task Admins_change_the_learning_loop_settings_and_bad_values_are_refused()
    {
        var (admin, _, _) = await factory.CreateApiClientAsync(Roles.Admin);
        var project = await CreateProjectAsync();

        var defaults = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/projects/{project}/loop", UriKind.Relative), Cancel);
        Assert.Equal(20, defaults.GetProperty("retrainEvery").GetInt32());
        Assert.Equal(5, defaults.GetProperty("committeeSize").GetInt32());
        Assert.Equal("margin+diverse", defaults.GetProperty("strategy").GetString());
        Assert.Equal(5, defaults.GetProperty("auditPercent").GetInt32());
        Assert.Equal(3, defaults.GetProperty("coldStartLabelsPerClass").GetInt32());

        using var ok = await admin.PutAsJsonAsync(new Uri($"/api/v1/projects/{project}/loop", UriKind.Relative),
            new { retrainEvery = 50, retrainGrowthPercent = 10, retrainIntervalMinutes = 60, committeeSize = 3, strategy = "qbc-vote" }, Cancel);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var changed = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/projects/{project}/loop", UriKind.Relative), Cancel);
        Assert.Equal(50, changed.GetProperty("retrainEvery").GetInt32());
        Assert.Equal("qbc-vote", changed.GetProperty("strategy").GetString());

        using var diverse = await admin.PutAsJsonAsync(new Uri($"/api/v1/projects/{project}/loop", UriKind.Relative),
            new { retrainEvery = 50, retrainGrowthPercent = 10, retrainIntervalMinutes = 60, committeeSize = 3, strategy = "bald+diverse", auditPercent = 10 }, Cancel);
        Assert.Equal(HttpStatusCode.OK, diverse.StatusCode);
        Assert.Equal(10, (await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/projects/{project}/loop", UriKind.Relative), Cancel))
            .GetProperty("auditPercent").GetInt32());

        using var bad = await admin.PutAsJsonAsync(new Uri($"/api/v1/projects/{project}/loop", UriKind.Relative),
            new { retrainEvery = 5, retrainGrowthPercent = 0, retrainIntervalMinutes = 0, committeeSize = 0, strategy = "psychic" }, Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync(Cancel);
        Assert.Contains("committeeSize", problem);
        Assert.Contains("strategy", problem);
    }
    [Fact]
    public async Task The_image_colour_mode_is_read_and_changed_through_the_loop_settings()
    {
        var (admin, _, _) = await factory.CreateApiClientAsync(Roles.Admin);
        var project = await CreateProjectAsync();
        var loop = new Uri($"/api/v1/projects/{project}/loop", UriKind.Relative);

        var undecided = await admin.GetFromJsonAsync<JsonElement>(loop, Cancel);
        using var colour = await admin.PutAsJsonAsync(loop,
            new { retrainEvery = 20, retrainGrowthPercent = 0, retrainIntervalMinutes = 0, committeeSize = 5, strategy = "margin", imageColour = "Colour" }, Cancel);
        using var unknown = await admin.PutAsJsonAsync(loop,
            new { retrainEvery = 20, retrainGrowthPercent = 0, retrainIntervalMinutes = 0, committeeSize = 5, strategy = "margin", imageColour = 7 }, Cancel);
        using var misspelt = await admin.PutAsJsonAsync(loop,
            new { retrainEvery = 20, retrainGrowthPercent = 0, retrainIntervalMinutes = 0, committeeSize = 5, strategy = "margin", imageColour = "Sepia" }, Cancel);

        Assert.Equal(JsonValueKind.Null, undecided.GetProperty("imageColour").ValueKind);
        Assert.Equal(HttpStatusCode.OK, colour.StatusCode);
        Assert.Equal("Colour", (await ReadAsync(colour)).GetProperty("imageColour").GetString());
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (unknown.StatusCode, misspelt.StatusCode));
        Assert.Contains("imageColour", await unknown.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("Colour", (await admin.GetFromJsonAsync<JsonElement>(loop, Cancel)).GetProperty("imageColour").GetString());
    }

    [Fact]
    public async Task Flips_training_steps_and_warm_starts_are_read_and_changed_through_the_loop_settings()
    {
        var (admin, _, _) = await factory.CreateApiClientAsync(Roles.Admin);
        var project = await CreateProjectAsync();
        var loop = new Uri($"/api/v1/projects/{project}/loop", UriKind.Relative);

        var defaults = await admin.GetFromJsonAsync<JsonElement>(loop, Cancel);
        using var changed = await admin.PutAsJsonAsync(loop,
            new { retrainEvery = 20, retrainGrowthPercent = 0, retrainIntervalMinutes = 0, committeeSize = 5, strategy = "margin", allowHorizontalFlip = true, trainingSteps = 600, warmStart = false }, Cancel);
        using var bad = await admin.PutAsJsonAsync(loop,
            new { retrainEvery = 20, retrainGrowthPercent = 0, retrainIntervalMinutes = 0, committeeSize = 5, strategy = "margin", trainingSteps = -1 }, Cancel);
        var now = await admin.GetFromJsonAsync<JsonElement>(loop, Cancel);

        Assert.False(defaults.GetProperty("allowHorizontalFlip").GetBoolean());
        Assert.Equal(0, defaults.GetProperty("trainingSteps").GetInt32());
        Assert.True(defaults.GetProperty("warmStart").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("trainingSteps", await bad.Content.ReadAsStringAsync(Cancel));
        Assert.True(now.GetProperty("allowHorizontalFlip").GetBoolean());
        Assert.Equal(600, now.GetProperty("trainingSteps").GetInt32());
        Assert.False(now.GetProperty("warmStart").GetBoolean());
    }
}
