using System.Net;
using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Projects;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Web.Tests.Api;

public sealed class ProjectsApiTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private readonly ApiKit _kit = new(factory);

    private static CancellationToken Cancel => ApiKit.Cancel;

    [Fact]
    public async Task Admins_create_read_change_and_delete_a_project_with_a_write_token()
    {
        var (_, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Write);
        var (_, adminToken) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Admin);
        var name = $"created-{Guid.NewGuid():N}";

        using var created = await _kit.SendAsync(HttpMethod.Post, "/api/v1/projects", token, new
        {
            name,
            kind = "text",
            labels = new object[] { new { name = "cat", hotkey = "c" }, new { name = "dog" } },
            overlap = 2,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var project = await ApiKit.JsonAsync(created);
        var id = project.GetProperty("id").GetInt32();
        Assert.Equal($"/api/v1/projects/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("Text", project.GetProperty("kind").GetString());
        Assert.Equal(2, project.GetProperty("overlap").GetInt32());
        Assert.Equal(0, project.GetProperty("counts").GetProperty("items").GetInt32());
        Assert.EndsWith("Z", project.GetProperty("createdUtc").GetString(), StringComparison.Ordinal);

        using var patched = await _kit.SendAsync(HttpMethod.Patch, $"/api/v1/projects/{id}", token, new { instructions = "Pick the animal.", leaseMinutes = 5 });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var changed = await ApiKit.JsonAsync(patched);
        Assert.Equal("Pick the animal.", changed.GetProperty("instructions").GetString());
        Assert.Equal(5, changed.GetProperty("leaseMinutes").GetInt32());
        Assert.Equal(name, changed.GetProperty("name").GetString());
        Assert.Equal(2, changed.GetProperty("labels").GetArrayLength());

        using var writeDelete = await _kit.SendAsync(HttpMethod.Delete, $"/api/v1/projects/{id}", token);
        await ApiKit.ProblemAsync(writeDelete, HttpStatusCode.Forbidden);
        using var deleted = await _kit.SendAsync(HttpMethod.Delete, $"/api/v1/projects/{id}", adminToken);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{id}", adminToken);
        await ApiKit.ProblemAsync(gone, HttpStatusCode.NotFound);
        using var goneAgain = await _kit.SendAsync(HttpMethod.Delete, $"/api/v1/projects/{id}", adminToken);
        await ApiKit.ProblemAsync(goneAgain, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Creating_checks_the_input_the_name_and_the_caller()
    {
        var (_, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Write);
        var (_, readToken) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Read);
        var (_, annotatorToken) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Write);
        var existing = await _kit.ProjectAsync();
        var existingName = (await _kit.GetJsonAsync($"/api/v1/projects/{existing}", token)).GetProperty("name").GetString();

        using var invalid = await _kit.SendAsync(HttpMethod.Post, "/api/v1/projects", token, new { name = " ", kind = "Text", overlap = 99 });
        var problem = await ApiKit.ProblemAsync(invalid, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("overlap", out _));

        using var noKind = await _kit.SendAsync(HttpMethod.Post, "/api/v1/projects", token, new { name = "no kind" });
        Assert.True((await ApiKit.ProblemAsync(noKind, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("kind", out _));

        using var duplicate = await _kit.SendAsync(HttpMethod.Post, "/api/v1/projects", token, new { name = existingName, kind = "Image" });
        Assert.Contains(existingName!, (await ApiKit.ProblemAsync(duplicate, HttpStatusCode.Conflict)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var readOnly = await _kit.SendAsync(HttpMethod.Post, "/api/v1/projects", readToken, new { name = "read", kind = "Image" });
        await ApiKit.ProblemAsync(readOnly, HttpStatusCode.Forbidden);
        using var annotator = await _kit.SendAsync(HttpMethod.Post, "/api/v1/projects", annotatorToken, new { name = "annotator", kind = "Image" });
        await ApiKit.ProblemAsync(annotator, HttpStatusCode.Forbidden);
        using var anonymous = await _kit.SendAsync(HttpMethod.Post, "/api/v1/projects", null, new { name = "anyone", kind = "Image" });
        await ApiKit.ProblemAsync(anonymous, HttpStatusCode.Unauthorized);
        using var malformed = await _kit.SendAsync(HttpMethod.Post, "/api/v1/projects", token,
            content: new StringContent("{\"name\":", System.Text.Encoding.UTF8, "application/json"));
        await ApiKit.ProblemAsync(malformed, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_list_shows_members_their_projects_with_counts_in_stable_pages()
    {
        var (userId, token) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Read);
        var mine = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            mine.Add(await _kit.ProjectAsync(ProjectKind.Text, userId));
        }
        await _kit.ProjectAsync();
        await _kit.ImportTextAsync((int)mine[0], 3);

        var ids = await _kit.AllIdsAsync("/api/v1/projects", token, limit: 2);
        var again = await _kit.AllIdsAsync("/api/v1/projects", token, limit: 2);

        Assert.Equal(mine, ids);
        Assert.Equal(ids, again);
        var first = (await _kit.GetJsonAsync("/api/v1/projects?limit=1", token)).GetProperty("items")[0];
        Assert.Equal(mine[0], first.GetProperty("id").GetInt64());
        Assert.Equal("Text", first.GetProperty("kind").GetString());
        Assert.Equal(3, first.GetProperty("counts").GetProperty("items").GetInt32());
        Assert.Equal(0, first.GetProperty("counts").GetProperty("labeled").GetInt32());
        Assert.Equal(3, first.GetProperty("counts").GetProperty("remaining").GetInt32());
        Assert.False(string.IsNullOrEmpty(first.GetProperty("name").GetString()));

        using var badLimit = await _kit.SendAsync(HttpMethod.Get, "/api/v1/projects?limit=0", token);
        await ApiKit.ProblemAsync(badLimit, HttpStatusCode.BadRequest);
        using var badCursor = await _kit.SendAsync(HttpMethod.Get, "/api/v1/projects?cursor=nope", token);
        await ApiKit.ProblemAsync(badCursor, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Non_members_and_missing_projects_get_403_and_404_problems()
    {
        var (_, token) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Admin);
        var project = await _kit.ProjectAsync();

        using var outsider = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}", token);
        using var labels = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/labels", token);
        using var missing = await _kit.SendAsync(HttpMethod.Get, "/api/v1/projects/999999", token);
        using var noToken = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}", null);
        using var noRoute = await _kit.SendAsync(HttpMethod.Get, "/api/v1/no-such-thing", token);

        await ApiKit.ProblemAsync(outsider, HttpStatusCode.Forbidden);
        await ApiKit.ProblemAsync(labels, HttpStatusCode.Forbidden);
        await ApiKit.ProblemAsync(missing, HttpStatusCode.NotFound);
        var unauthorized = await ApiKit.ProblemAsync(noToken, HttpStatusCode.Unauthorized);
        Assert.Contains("Bearer", unauthorized.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await ApiKit.ProblemAsync(noRoute, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_label_set_is_read_and_replaced_but_a_used_label_stays()
    {
        var (adminId, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Write);
        var project = await _kit.ProjectAsync(ProjectKind.Text, adminId);
        await _kit.ImportTextAsync(project, 1);

        var before = await _kit.GetJsonAsync($"/api/v1/projects/{project}/labels", token);
        Assert.Equal(["yes", "no"], before.GetProperty("labels").EnumerateArray().Select(l => l.GetProperty("name").GetString()));

        using var replaced = await _kit.SendAsync(HttpMethod.Put, $"/api/v1/projects/{project}/labels", token,
            new { labels = new object[] { new { name = "no", hotkey = "n" }, new { name = "maybe", color = "#123456" } } });
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var after = (await ApiKit.JsonAsync(replaced)).GetProperty("labels");
        Assert.Equal(["no", "maybe"], after.EnumerateArray().Select(l => l.GetProperty("name").GetString()));
        Assert.Equal("n", after[0].GetProperty("hotkey").GetString());
        Assert.Equal("#123456", after[1].GetProperty("color").GetString());

        var item = await _kit.GetJsonAsync($"/api/v1/projects/{project}/items", token);
        var labelToken = await _kit.TokenAsync(adminId, ApiScopes.Label);
        var itemId = item.GetProperty("items")[0].GetProperty("id").GetInt64();
        await _kit.LeaseAsync(project, adminId, itemId);
        using var annotated = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/annotations", labelToken,
            new { itemId, label = "maybe" });
        Assert.Equal(HttpStatusCode.Created, annotated.StatusCode);
        using var removeUsed = await _kit.SendAsync(HttpMethod.Put, $"/api/v1/projects/{project}/labels", token, new { labels = new[] { new { name = "no" } } });
        Assert.Contains("maybe", (await ApiKit.ProblemAsync(removeUsed, HttpStatusCode.BadRequest)).GetProperty("errors").GetProperty("labels")[0].GetString(), StringComparison.Ordinal);
        using var badHotkey = await _kit.SendAsync(HttpMethod.Put, $"/api/v1/projects/{project}/labels", token,
            new { labels = new[] { new { name = "maybe", hotkey = "s" } } });
        await ApiKit.ProblemAsync(badHotkey, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Admins_list_add_and_remove_members()
    {
        var (_, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Admin);
        var (_, writeToken) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Write);
        var (annotatorId, annotatorToken) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Admin);
        var email = $"member-{Guid.NewGuid():N}@example.org";
        var byEmail = await factory.CreateUserAsync(email, "Passw0rd-for-tests", Roles.Reviewer);
        var project = await _kit.ProjectAsync(ProjectKind.Text, annotatorId);

        using var add = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/members", token, new { email });
        Assert.Equal(HttpStatusCode.OK, add.StatusCode);
        var added = await ApiKit.JsonAsync(add);
        Assert.Equal(byEmail, added.GetProperty("userId").GetString());
        Assert.Equal("reviewer", added.GetProperty("role").GetString());
        using var addAgain = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/members", token, new { userId = byEmail });
        Assert.Equal(HttpStatusCode.OK, addAgain.StatusCode);

        var page1 = await _kit.GetJsonAsync($"/api/v1/projects/{project}/members?limit=1", token);
        var page2 = await _kit.GetJsonAsync($"/api/v1/projects/{project}/members?limit=1&cursor={page1.GetProperty("nextCursor").GetString()}", token);
        var all = page1.GetProperty("items").EnumerateArray().Concat(page2.GetProperty("items").EnumerateArray())
            .Select(m => m.GetProperty("userId").GetString()).ToList();
        Assert.Equal(2, all.Count);
        Assert.Contains(byEmail, all);
        Assert.Contains(annotatorId, all);
        Assert.Equal(JsonValueKind.Null, page2.GetProperty("nextCursor").ValueKind);

        using var removed = await _kit.SendAsync(HttpMethod.Delete, $"/api/v1/projects/{project}/members/{annotatorId}", token);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        using var lostAccess = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}", annotatorToken);
        await ApiKit.ProblemAsync(lostAccess, HttpStatusCode.Forbidden);

        using var annotatorAdds = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/members", annotatorToken, new { userId = annotatorId });
        await ApiKit.ProblemAsync(annotatorAdds, HttpStatusCode.Forbidden);
        using var writeLists = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/members", writeToken);
        await ApiKit.ProblemAsync(writeLists, HttpStatusCode.Forbidden);
        using var unknownUser = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/members", token, new { email = "nobody@example.org" });
        await ApiKit.ProblemAsync(unknownUser, HttpStatusCode.NotFound);
        using var nobody = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/members", token, new { });
        await ApiKit.ProblemAsync(nobody, HttpStatusCode.BadRequest);
        using var missingProject = await _kit.SendAsync(HttpMethod.Delete, $"/api/v1/projects/999999/members/{annotatorId}", token);
        await ApiKit.ProblemAsync(missingProject, HttpStatusCode.NotFound);

        await using var db = factory.Database.CreateContext();
        Assert.Equal(1, await db.ProjectMembers.CountAsync(m => m.ProjectId == project, Cancel));
    }
}
