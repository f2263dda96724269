using System.Net;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Models;
using LabelLoop.Core.Predictions;
using LabelLoop.Core.Projects;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Web.Tests.Api;

public sealed class PredictionsApiTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private readonly ApiKit _kit = new(factory);

    private static CancellationToken Cancel => ApiKit.Cancel;

    /// <summary>A project with six items, an old version 1 and an active version 2 that ranks items 5, 3, 1, 0 (2 and 4 unranked).</summary>
    private string _userId = "";

    private async Task<(int Project, List<long> Items, string Token)> TrainedProjectAsync()
    {
        var (userId, token) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Label);
        _userId = userId;
        var project = await _kit.ProjectAsync(ProjectKind.Text, userId);
        await _kit.ImportTextAsync(project, 6);
        await using var db = factory.Database.CreateContext();
        var items = await db.Items.Where(i => i.ProjectId == project).OrderBy(i => i.Id).Select(i => i.Id).ToListAsync(Cancel);
        var old = new ModelVersion
        {
            ProjectId = project,
            Version = 1,
            Strategy = "random",
            LabelCount = 2,
            MetricsJson = "{}",
            CreatedUtc = new DateTime(2026, 5, 31, 9, 0, 0, DateTimeKind.Utc),
        };
        var active = new ModelVersion
        {
            ProjectId = project,
            Version = 2,
            Strategy = "margin",
            LabelCount = 4,
            IsActive = true,
            CreatedUtc = new DateTime(2026, 6, 1, 9, 0, 0, DateTimeKind.Utc),
            MetricsJson = """{"auditAccuracy":0.75,"auditItems":4,"meanTrainLoss":0.31}""",
        };
        db.ModelVersions.AddRange(old, active);
        await db.SaveChangesAsync(Cancel);
        int?[] ranks = [4, null, null, 2, null, 1];
        for (var i = 0; i < items.Count; i++)
        {
            var yes = 0.5f + (i / 20f);
            db.Predictions.Add(new Prediction
            {
                ItemId = items[i],
                ModelVersionId = active.Id,
                Label = "yes",
                Probabilities = [yes, 1 - yes],
                Score = 1 - yes,
                Rank = ranks[i],
                ReasonJson = $$"""{"strategy":"margin","top":[{"label":"yes","p":{{yes.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}],"votes":"3/5"}""",
            });
            db.Predictions.Add(new Prediction { ItemId = items[i], ModelVersionId = old.Id, Label = "no", Probabilities = [0.4f, 0.6f], Score = 0.2 });
        }
        await db.SaveChangesAsync(Cancel);
        return (project, items, token);
    }

    [Fact]
    public async Task Model_versions_are_listed_newest_first_with_their_metrics()
    {
        var (project, _, token) = await TrainedProjectAsync();

        var page1 = await _kit.GetJsonAsync($"/api/v1/projects/{project}/model-versions?limit=1", token);
        var latest = page1.GetProperty("items")[0];
        var page2 = await _kit.GetJsonAsync($"/api/v1/projects/{project}/model-versions?limit=1&cursor={page1.GetProperty("nextCursor").GetString()}", token);

        Assert.Equal(2, latest.GetProperty("version").GetInt32());
        Assert.True(latest.GetProperty("isActive").GetBoolean());
        Assert.Equal("margin", latest.GetProperty("strategy").GetString());
        Assert.Equal(0.75, latest.GetProperty("metrics").GetProperty("auditAccuracy").GetDouble());
        Assert.Equal(1, page2.GetProperty("items")[0].GetProperty("version").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, page2.GetProperty("nextCursor").ValueKind);
        var one = await _kit.GetJsonAsync($"/api/v1/projects/{project}/model-versions/1", token);
        Assert.False(one.GetProperty("isActive").GetBoolean());
        using var missing = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/model-versions/9", token);
        await ApiKit.ProblemAsync(missing, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Predictions_name_every_class_probability_and_page_by_item()
    {
        var (project, items, token) = await TrainedProjectAsync();

        var ids = await _kit.AllIdsAsync($"/api/v1/projects/{project}/predictions", token, limit: 4, idProperty: "itemId");
        var first = (await _kit.GetJsonAsync($"/api/v1/projects/{project}/predictions?limit=1", token)).GetProperty("items")[0];
        var old = (await _kit.GetJsonAsync($"/api/v1/projects/{project}/predictions?version=1&label=no&limit=1", token)).GetProperty("items")[0];

        Assert.Equal(items, ids);
        Assert.Equal(2, first.GetProperty("modelVersion").GetInt32());
        Assert.Equal("yes", first.GetProperty("label").GetString());
        Assert.Equal(0.5, first.GetProperty("confidence").GetDouble(), 3);
        var probabilities = first.GetProperty("probabilities");
        Assert.Equal(["yes", "no"], probabilities.EnumerateArray().Select(p => p.GetProperty("label").GetString()));
        Assert.Equal(4, first.GetProperty("rank").GetInt32());
        Assert.Equal(1, old.GetProperty("modelVersion").GetInt32());
        Assert.Equal(0.6, old.GetProperty("confidence").GetDouble(), 3);
        using var noVersion = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/predictions?version=7", token);
        await ApiKit.ProblemAsync(noVersion, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_ranking_is_served_best_first_with_why_and_leaves_out_labeled_items()
    {
        var (project, items, token) = await TrainedProjectAsync();

        var ranked = await _kit.AllIdsAsync($"/api/v1/projects/{project}/ranking", token, limit: 2, idProperty: "itemId");
        Assert.Equal([items[5], items[3], items[0]], ranked);
        var top = (await _kit.GetJsonAsync($"/api/v1/projects/{project}/ranking?limit=1", token)).GetProperty("items")[0];
        Assert.Equal(1, top.GetProperty("rank").GetInt32());
        Assert.Equal("Unlabeled", top.GetProperty("itemStatus").GetString());
        var why = top.GetProperty("why");
        Assert.Equal("margin", why.GetProperty("strategy").GetString());
        Assert.Equal("3/5", why.GetProperty("votes").GetString());
        Assert.Equal("yes", why.GetProperty("top")[0].GetProperty("label").GetString());

        await _kit.LeaseAsync(project, _userId, items[5]);
        using var labeled = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/annotations", token, new { itemId = items[5], label = "yes" });
        Assert.Equal(HttpStatusCode.Created, labeled.StatusCode);
        Assert.Equal([items[3], items[0]], await _kit.AllIdsAsync($"/api/v1/projects/{project}/ranking", token, limit: 10, idProperty: "itemId"));
        Assert.Equal([items[5], items[3], items[0]], await _kit.AllIdsAsync($"/api/v1/projects/{project}/ranking?openOnly=false", token, limit: 10, idProperty: "itemId"));
    }

    [Fact]
    public async Task A_project_without_a_model_has_empty_lists_and_outsiders_get_403()
    {
        var (memberId, token) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Read);
        var (_, outsider) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Read);
        var project = await _kit.ProjectAsync(ProjectKind.Text, memberId);

        foreach (var list in new[] { "model-versions", "predictions", "ranking" })
        {
            var page = await _kit.GetJsonAsync($"/api/v1/projects/{project}/{list}", token);
            Assert.Equal(0, page.GetProperty("items").GetArrayLength());
            using var refused = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/{list}", outsider);
            await ApiKit.ProblemAsync(refused, HttpStatusCode.Forbidden);
            using var anonymous = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/{list}", null);
            await ApiKit.ProblemAsync(anonymous, HttpStatusCode.Unauthorized);
            using var missing = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/999999/{list}", token);
            await ApiKit.ProblemAsync(missing, HttpStatusCode.NotFound);
        }
    }
}
