using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Projects;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Web.Tests.Api;

public sealed class ItemsApiTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private readonly ApiKit _kit = new(factory);

    private static CancellationToken Cancel => ApiKit.Cancel;

    private static ByteArrayContent Body(string text, string mediaType) => Body(Encoding.UTF8.GetBytes(text), mediaType);

    private static ByteArrayContent Body(byte[] bytes, string mediaType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    private async Task<int> ItemCountAsync(int project)
    {
        await using var db = factory.Database.CreateContext();
        return await db.Items.CountAsync(i => i.ProjectId == project, Cancel);
    }

    [Fact]
    public async Task Jsonl_and_csv_bodies_import_and_a_repeat_adds_nothing()
    {
        var (_, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Write);
        var project = await _kit.ProjectAsync();
        const string jsonl = "{\"id\":\"a\",\"text\":\"first\",\"label\":\"yes\"}\n{\"id\":\"b\",\"text\":\"second\",\"label\":\"perhaps\"}\n";

        using var first = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/items", token, content: Body(jsonl, "application/x-ndjson"));
        using var again = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/items", token, content: Body(jsonl, "application/x-ndjson"));
        using var csv = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/items", token, content: Body("id,text\nc,third\nd,fourth\n", "text/csv"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var report = await ApiKit.JsonAsync(first);
        Assert.Equal(2, report.GetProperty("added").GetInt32());
        Assert.Equal(["perhaps"], report.GetProperty("labelsAdded").EnumerateArray().Select(l => l.GetString()));
        var repeat = await ApiKit.JsonAsync(again);
        Assert.Equal(0, repeat.GetProperty("added").GetInt32());
        Assert.Equal(2, repeat.GetProperty("alreadyPresent").GetInt32());
        Assert.Equal(2, (await ApiKit.JsonAsync(csv)).GetProperty("added").GetInt32());
        Assert.Equal(4, await ItemCountAsync(project));
    }

    [Fact]
    public async Task Multipart_files_and_zips_of_images_import_together()
    {
        var (_, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Write);
        var texts = await _kit.ProjectAsync();
        var images = await _kit.ProjectAsync(ProjectKind.Image);

        using var form = new MultipartFormDataContent
        {
            { Body("{\"id\":\"x\",\"text\":\"from a file\"}\n", "application/octet-stream"), "files", "one.jsonl" },
            { Body("text,label\nfrom a csv,no\n", "text/csv"), "files", "two.csv" },
        };
        using var multipart = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{texts}/items", token, content: form);
        var zip = TestImages.Zip(("cat/1.png", TestImages.Png(1)), ("dog/2.png", TestImages.Png(2)), ("unlabeled/3.png", TestImages.Png(3)));
        using var zipped = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{images}/items", token, content: Body(zip, "application/zip"));

        Assert.Equal(2, (await ApiKit.JsonAsync(multipart)).GetProperty("added").GetInt32());
        Assert.Equal(HttpStatusCode.OK, zipped.StatusCode);
        Assert.Equal(3, (await ApiKit.JsonAsync(zipped)).GetProperty("added").GetInt32());
        var listed = await _kit.GetJsonAsync($"/api/v1/projects/{images}/items", token);
        var url = listed.GetProperty("items")[0].GetProperty("contentUrl").GetString();
        Assert.StartsWith($"/api/v1/projects/{images}/items/", url, StringComparison.Ordinal);
        Assert.Equal("image/png", listed.GetProperty("items")[0].GetProperty("mediaType").GetString());
    }

    [Fact]
    public async Task An_invalid_import_is_a_422_listing_every_problem_and_stores_nothing()
    {
        var (_, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Write);
        var texts = await _kit.ProjectAsync();
        var images = await _kit.ProjectAsync(ProjectKind.Image);

        using var badLines = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{texts}/items", token,
            content: Body("{\"id\":\"ok\",\"text\":\"fine\"}\nnot json\n{\"id\":\"empty\",\"text\":\"\"}\n", "application/x-ndjson"));
        var zip = TestImages.Zip(("cat/good.png", TestImages.Png(7)), ("cat/broken.png", TestImages.CorruptPng()), ("../escape.png", TestImages.Png(8)));
        using var badZip = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{images}/items", token, content: Body(zip, "application/zip"));
        using var notAZip = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{images}/items", token, content: Body("nope", "application/zip"));
        using var wrongType = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{texts}/items", token, content: Body("<xml/>", "application/xml"));
        using var noFiles = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{texts}/items", token,
            content: new MultipartFormDataContent { { new StringContent("x"), "field" } });

        var lines = await ApiKit.ProblemAsync(badLines, HttpStatusCode.UnprocessableEntity);
        var errors = lines.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("source").GetString() + ": " + e.GetProperty("message").GetString()).ToList();
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("upload.jsonl:2: ", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("upload.jsonl:3: empty text", StringComparison.Ordinal));
        var images422 = await ApiKit.ProblemAsync(badZip, HttpStatusCode.UnprocessableEntity);
        var sources = images422.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("source").GetString()).ToList();
        Assert.Contains(sources, s => s!.Contains("broken.png", StringComparison.Ordinal));
        Assert.Contains(sources, s => s!.Contains("escape.png", StringComparison.Ordinal));
        await ApiKit.ProblemAsync(notAZip, HttpStatusCode.UnprocessableEntity);
        await ApiKit.ProblemAsync(wrongType, HttpStatusCode.UnsupportedMediaType);
        await ApiKit.ProblemAsync(noFiles, HttpStatusCode.BadRequest);
        Assert.Equal(0, await ItemCountAsync(texts));
        Assert.Equal(0, await ItemCountAsync(images));
    }

    [Fact]
    public async Task Importing_needs_the_write_scope_the_admin_role_and_an_existing_project()
    {
        var (memberId, memberToken) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Write);
        var adminId = await _kit.UserAsync(Roles.Admin);
        var labelToken = await _kit.TokenAsync(adminId, ApiScopes.Label);
        var writeToken = await _kit.TokenAsync(adminId, ApiScopes.Write);
        var project = await _kit.ProjectAsync(ProjectKind.Text, memberId);
        const string line = "{\"text\":\"hello\"}";

        using var annotator = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/items", memberToken, content: Body(line, "application/x-ndjson"));
        using var label = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/items", labelToken, content: Body(line, "application/x-ndjson"));
        using var none = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/items", null, content: Body(line, "application/x-ndjson"));
        using var missing = await _kit.SendAsync(HttpMethod.Post, "/api/v1/projects/999999/items", writeToken, content: Body(line, "application/x-ndjson"));

        await ApiKit.ProblemAsync(annotator, HttpStatusCode.Forbidden);
        await ApiKit.ProblemAsync(label, HttpStatusCode.Forbidden);
        await ApiKit.ProblemAsync(none, HttpStatusCode.Unauthorized);
        await ApiKit.ProblemAsync(missing, HttpStatusCode.NotFound);
        Assert.Equal(0, await ItemCountAsync(project));
    }

    [Fact]
    public async Task Items_are_listed_by_state_and_label_in_stable_pages_and_annotators_do_not_see_external_ids()
    {
        var (annotatorId, annotatorToken) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Label);
        var (_, adminToken) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Read);
        var project = await _kit.ProjectAsync(ProjectKind.Text, annotatorId);
        await _kit.ImportTextAsync(project, 7);

        var all = await _kit.AllIdsAsync($"/api/v1/projects/{project}/items", annotatorToken, limit: 3);
        Assert.Equal(7, all.Count);
        Assert.Equal(all.Order(), all);
        Assert.Equal(all, await _kit.AllIdsAsync($"/api/v1/projects/{project}/items", annotatorToken, limit: 3));

        await _kit.LeaseAsync(project, annotatorId, all[2]);
        using var labeled = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/annotations", annotatorToken, new { itemId = all[2], label = "no" });
        Assert.Equal(HttpStatusCode.Created, labeled.StatusCode);

        var done = await _kit.GetJsonAsync($"/api/v1/projects/{project}/items?status=Labeled", annotatorToken);
        Assert.Equal([all[2]], done.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));
        Assert.Equal("no", done.GetProperty("items")[0].GetProperty("finalLabel").GetString());
        Assert.Equal("Labeled", done.GetProperty("items")[0].GetProperty("status").GetString());
        var byLabel = await _kit.GetJsonAsync($"/api/v1/projects/{project}/items?label=no", annotatorToken);
        Assert.Equal(1, byLabel.GetProperty("items").GetArrayLength());
        var open = await _kit.AllIdsAsync($"/api/v1/projects/{project}/items?status=Unlabeled", annotatorToken, limit: 4);
        Assert.Equal(6, open.Count);

        var seenByAnnotator = await _kit.GetJsonAsync($"/api/v1/projects/{project}/items/{all[0]}", annotatorToken);
        var seenByAdmin = await _kit.GetJsonAsync($"/api/v1/projects/{project}/items/{all[0]}", adminToken);
        Assert.Equal(JsonValueKind.Null, seenByAnnotator.GetProperty("externalId").ValueKind);
        Assert.Equal("t0", seenByAdmin.GetProperty("externalId").GetString());
        Assert.StartsWith("item 0", seenByAnnotator.GetProperty("text").GetString(), StringComparison.Ordinal);

        using var badStatus = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/items?status=Lost", annotatorToken);
        await ApiKit.ProblemAsync(badStatus, HttpStatusCode.BadRequest);
        var other = await _kit.ProjectAsync();
        using var wrongProject = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{other}/items/{all[0]}", adminToken);
        await ApiKit.ProblemAsync(wrongProject, HttpStatusCode.NotFound);
        using var outsider = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{other}/items", annotatorToken);
        await ApiKit.ProblemAsync(outsider, HttpStatusCode.Forbidden);
    }
}
