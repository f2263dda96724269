using System.Net;
using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Projects;
using LabelLoop.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Web.Tests.Api;

public sealed class AnnotationsApiTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private readonly ApiKit _kit = new(factory);

    private static CancellationToken Cancel => ApiKit.Cancel;

    private async Task<List<long>> ItemIdsAsync(int project, string token) =>
        await _kit.AllIdsAsync($"/api/v1/projects/{project}/items", token, limit: 100);

    private async Task<HttpResponseMessage> AnnotateAsync(string token, int project, long itemId, string label, string? key = null)
    {
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        return await ApiKit.SendAsync(client, HttpMethod.Post, $"/api/v1/projects/{project}/annotations", token, new { itemId, label }, idempotencyKey: key);
    }

    [Fact]
    public async Task Annotators_list_their_own_annotations_and_admins_everyones_in_stable_pages()
    {
        var (aliceId, alice) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Label);
        var (bobId, bob) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Label);
        var (_, admin) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Read);
        var project = await _kit.ProjectAsync(ProjectKind.Text, aliceId, bobId);
        await _kit.ImportTextAsync(project, 5);
        var items = await ItemIdsAsync(project, admin);
        await _kit.LeaseAsync(project, aliceId, items[0], items[1], items[3]);
        await _kit.LeaseAsync(project, bobId, items[2], items[4]);
        foreach (var (token, item, label) in new[] { (alice, items[0], "yes"), (alice, items[1], "no"), (bob, items[2], "yes"), (alice, items[3], "yes"), (bob, items[4], "no") })
        {
            using var response = await AnnotateAsync(token, project, item, label);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var everyone = await _kit.AllIdsAsync($"/api/v1/projects/{project}/annotations", admin, limit: 2);
        var mine = await _kit.AllIdsAsync($"/api/v1/projects/{project}/annotations", alice, limit: 2);
        Assert.Equal(5, everyone.Count);
        Assert.Equal(everyone.Order(), everyone);
        Assert.Equal(everyone, await _kit.AllIdsAsync($"/api/v1/projects/{project}/annotations", admin, limit: 2));
        Assert.Equal(3, mine.Count);

        var first = (await _kit.GetJsonAsync($"/api/v1/projects/{project}/annotations?limit=1", admin)).GetProperty("items")[0];
        Assert.Equal(items[0], first.GetProperty("itemId").GetInt64());
        Assert.Equal(aliceId, first.GetProperty("userId").GetString());
        Assert.EndsWith("@example.org", first.GetProperty("annotator").GetString(), StringComparison.Ordinal);
        Assert.Equal("yes", first.GetProperty("label").GetString());
        Assert.EndsWith("Z", first.GetProperty("createdUtc").GetString(), StringComparison.Ordinal);

        var byLabel = await _kit.GetJsonAsync($"/api/v1/projects/{project}/annotations?label=no", admin);
        Assert.Equal(2, byLabel.GetProperty("items").GetArrayLength());
        var byUser = await _kit.GetJsonAsync($"/api/v1/projects/{project}/annotations?userId={bobId}", admin);
        Assert.Equal(2, byUser.GetProperty("items").GetArrayLength());
        var byItem = await _kit.GetJsonAsync($"/api/v1/projects/{project}/annotations?itemId={items[4]}", admin);
        Assert.Equal(1, byItem.GetProperty("items").GetArrayLength());
        var future = await _kit.GetJsonAsync($"/api/v1/projects/{project}/annotations?since=2100-01-01T00:00:00Z", admin);
        Assert.Equal(0, future.GetProperty("items").GetArrayLength());
        var past = await _kit.GetJsonAsync($"/api/v1/projects/{project}/annotations?since=2000-01-01T00:00:00", admin);
        Assert.Equal(5, past.GetProperty("items").GetArrayLength());

        var bobsId = byUser.GetProperty("items")[0].GetProperty("id").GetInt64();
        var one = await _kit.GetJsonAsync($"/api/v1/projects/{project}/annotations/{bobsId}", admin);
        Assert.Equal(bobId, one.GetProperty("userId").GetString());
        using var hidden = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/annotations/{bobsId}", alice);
        await ApiKit.ProblemAsync(hidden, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_created_location_answers_and_retries_with_one_key_store_one_annotation()
    {
        var (userId, token) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Label);
        var project = await _kit.ProjectAsync(ProjectKind.Text, userId);
        await _kit.ImportTextAsync(project, 2);
        var items = await ItemIdsAsync(project, token);
        await _kit.LeaseAsync(project, userId, items[0]);

        using var created = await AnnotateAsync(token, project, items[0], "yes", "key-1");
        using var retried = await AnnotateAsync(token, project, items[0], "yes", "key-1");
        using var reused = await AnnotateAsync(token, project, items[1], "no", "key-1");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var id = (await ApiKit.JsonAsync(created)).GetProperty("id").GetInt64();
        Assert.Equal(id, (await ApiKit.JsonAsync(retried)).GetProperty("id").GetInt64());
        Assert.Contains("key-1", (await ApiKit.ProblemAsync(reused, HttpStatusCode.Conflict)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var location = await _kit.GetJsonAsync(created.Headers.Location!.OriginalString, token);
        Assert.Equal(id, location.GetProperty("id").GetInt64());
        await using var db = factory.Database.CreateContext();
        Assert.Equal(1, await db.Annotations.CountAsync(a => a.ProjectId == project, Cancel));
    }

    [Fact]
    public async Task Listing_needs_a_token_membership_and_an_existing_project()
    {
        var (memberId, member) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Read);
        var (_, outsider) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Admin);
        var project = await _kit.ProjectAsync(ProjectKind.Text, memberId);

        using var ok = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/annotations", member);
        using var anonymous = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/annotations", null);
        using var stranger = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/annotations", outsider);
        using var missing = await _kit.SendAsync(HttpMethod.Get, "/api/v1/projects/999999/annotations", member);
        using var readCreates = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/annotations", member, new { itemId = 1, label = "yes" });
        using var badSince = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/annotations?since=yesterday", member);

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var empty = await ApiKit.JsonAsync(ok);
        Assert.Equal(0, empty.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("nextCursor").ValueKind);
        await ApiKit.ProblemAsync(anonymous, HttpStatusCode.Unauthorized);
        await ApiKit.ProblemAsync(stranger, HttpStatusCode.Forbidden);
        await ApiKit.ProblemAsync(missing, HttpStatusCode.NotFound);
        await ApiKit.ProblemAsync(readCreates, HttpStatusCode.Forbidden);
        await ApiKit.ProblemAsync(badSince, HttpStatusCode.BadRequest);
    }
}
