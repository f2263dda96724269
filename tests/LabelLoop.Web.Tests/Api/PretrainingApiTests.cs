using System.Net;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Models;
using LabelLoop.Core.Projects;
using LabelLoop.Testing;
using Xunit;

namespace LabelLoop.Web.Tests.Api;

public sealed class PretrainingApiTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private readonly ApiKit _kit = new(factory);

    private static CancellationToken Cancel => ApiKit.Cancel;

    [Fact]
    public async Task Encoder_versions_are_listed_newest_first_with_their_quality_for_members_only()
    {
        var (memberId, token) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Read);
        var (_, outsider) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Read);
        var project = await _kit.ProjectAsync(ProjectKind.Text, memberId);
        await using (var db = factory.Database.CreateContext())
        {
            db.EncoderVersions.AddRange(
                new EncoderVersion { ProjectId = project, Version = 1, ArtifactPath = "a", ItemCount = 300, MetricsJson = """{"knnAccuracy":0.61}""", CreatedUtc = DateTime.UnixEpoch },
                new EncoderVersion { ProjectId = project, Version = 2, ArtifactPath = "b", ItemCount = 450, MetricsJson = """{"knnAccuracy":0.72}""", IsActive = true, CreatedUtc = DateTime.UnixEpoch });
            await db.SaveChangesAsync(Cancel);
        }

        var page = await _kit.GetJsonAsync($"/api/v1/projects/{project}/encoder-versions?limit=1", token);
        using var denied = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/encoder-versions", outsider);
        using var anonymous = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/encoder-versions", null);

        var first = page.GetProperty("items")[0];
        Assert.Equal((2, true, 450), (first.GetProperty("version").GetInt32(), first.GetProperty("isActive").GetBoolean(), first.GetProperty("itemCount").GetInt32()));
        Assert.Equal(0.72, first.GetProperty("metrics").GetProperty("knnAccuracy").GetDouble());
        var next = await _kit.GetJsonAsync($"/api/v1/projects/{project}/encoder-versions?limit=1&cursor={page.GetProperty("nextCursor").GetString()}", token);
        Assert.Equal(1, next.GetProperty("items")[0].GetProperty("version").GetInt32());
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Pretrain_now_queues_one_run_for_admins_and_is_refused_to_others()
    {
        var (adminId, admin) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Admin);
        var (annotatorId, annotator) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Admin);
        var project = await _kit.ProjectAsync(ProjectKind.Text, adminId, annotatorId);

        using var first = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/jobs/pretrain", admin);
        using var second = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/jobs/pretrain", admin);
        using var refused = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/jobs/pretrain", annotator);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var run = await ApiKit.JsonAsync(first);
        Assert.Equal(("Pretrain", "Queued"), (run.GetProperty("kind").GetString(), run.GetProperty("status").GetString()));
        Assert.Equal(run.GetProperty("id").GetInt64(), (await ApiKit.JsonAsync(second)).GetProperty("id").GetInt64());
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
