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
    public async Task A_nul_in_imported_text_is_a_422_naming_the_line_and_the_field_and_stores_nothing()
    {
        var (_, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Write);
        var project = await _kit.ProjectAsync();

        using var jsonl = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/items", token,
            content: Body("{\"id\":\"ok\",\"text\":\"fine\"}\n{\"id\":\"bad\",\"text\":\"a\\u0000b\"}\n", "application/x-ndjson"));
        using var csv = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/items", token,
            content: Body("text,label\nfine,cat\n\"a\0b\",cat\n", "text/csv"));
        using var multipart = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/items", token,
            content: new MultipartFormDataContent { { new StringContent("{\"text\":\"fine\",\"label\":\"do\\u0000g\"}\n"), "files", "more.jsonl" } });

        foreach (var (response, source, field) in new[] { (jsonl, "upload.jsonl:2", "field \"text\""), (csv, "upload.csv:3", "column \"text\""), (multipart, "more.jsonl:1", "field \"label\"") })
        {
            var problem = await ApiKit.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
            var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
            Assert.Equal(source, error.GetProperty("source").GetString());
            Assert.StartsWith($"{field} contains the NUL character (U+0000)", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(0, await ItemCountAsync(project));
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
    public async Task Items_are_listed_by_state_and_label_in_stable_pages_and_each_role_sees_its_projection()
    {
        var (annotatorId, annotatorToken) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Label);
        var (reviewerId, reviewerToken) = await _kit.AccountAsync(Roles.Reviewer, ApiScopes.Read);
        var (_, adminToken) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Read);
        var project = await _kit.ProjectAsync(ProjectKind.Text, annotatorId, reviewerId);
        await _kit.ImportTextAsync(project, 7, labels: true);

        var all = await _kit.AllIdsAsync($"/api/v1/projects/{project}/items", annotatorToken, limit: 3);
        Assert.Equal(7, all.Count);
        Assert.Equal(all.Order(), all);
        Assert.Equal(all, await _kit.AllIdsAsync($"/api/v1/projects/{project}/items", annotatorToken, limit: 3));

        await _kit.LeaseAsync(project, annotatorId, all[2]);
        using var labeled = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/annotations", annotatorToken, new { itemId = all[2], label = "no" });
        Assert.Equal(HttpStatusCode.Created, labeled.StatusCode);

        var done = await _kit.GetJsonAsync($"/api/v1/projects/{project}/items?status=Labeled", annotatorToken);
        Assert.Equal([all[2]], done.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));
        Assert.Equal("Labeled", done.GetProperty("items")[0].GetProperty("status").GetString());
        var byLabel = await _kit.GetJsonAsync($"/api/v1/projects/{project}/items?label=no", reviewerToken);
        Assert.Equal(1, byLabel.GetProperty("items").GetArrayLength());
        var open = await _kit.AllIdsAsync($"/api/v1/projects/{project}/items?status=Unlabeled", annotatorToken, limit: 4);
        Assert.Equal(6, open.Count);

        // Annotators see neither the import's id nor final labels (other people's answers), and may not select by them;
        // reviewers see final labels; only admins see external ids. Nothing shows the import's ground truth.
        var byAnnotator = await _kit.GetJsonAsync($"/api/v1/projects/{project}/items/{all[2]}", annotatorToken);
        var byReviewer = await _kit.GetJsonAsync($"/api/v1/projects/{project}/items/{all[2]}", reviewerToken);
        var byAdmin = await _kit.GetJsonAsync($"/api/v1/projects/{project}/items/{all[2]}", adminToken);
        Assert.Equal(JsonValueKind.Null, byAnnotator.GetProperty("externalId").ValueKind);
        Assert.Equal(JsonValueKind.Null, byAnnotator.GetProperty("finalLabel").ValueKind);
        Assert.Equal(JsonValueKind.Null, done.GetProperty("items")[0].GetProperty("finalLabel").ValueKind);
        Assert.Equal(JsonValueKind.Null, byReviewer.GetProperty("externalId").ValueKind);
        Assert.Equal("no", byReviewer.GetProperty("finalLabel").GetString());
        Assert.Equal("t2", byAdmin.GetProperty("externalId").GetString());
        Assert.Equal("no", byAdmin.GetProperty("finalLabel").GetString());
        Assert.StartsWith("item 2", byAnnotator.GetProperty("text").GetString(), StringComparison.Ordinal);
        foreach (var view in new[] { byAnnotator, byReviewer, byAdmin })
        {
            Assert.False(view.TryGetProperty("groundTruth", out _));
        }
        using var annotatorByLabel = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/items?label=no", annotatorToken);
        Assert.Contains("final label", (await ApiKit.ProblemAsync(annotatorByLabel, HttpStatusCode.Forbidden)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var badStatus = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/items?status=Lost", annotatorToken);
        await ApiKit.ProblemAsync(badStatus, HttpStatusCode.BadRequest);
        var other = await _kit.ProjectAsync();
        using var wrongProject = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{other}/items/{all[0]}", adminToken);
        await ApiKit.ProblemAsync(wrongProject, HttpStatusCode.NotFound);
        using var outsider = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{other}/items", annotatorToken);
        await ApiKit.ProblemAsync(outsider, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_text_body_over_the_documented_20_mib_file_limit_is_a_413_naming_the_limit()
    {
        var (_, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Write);
        var project = await _kit.ProjectAsync();
        var line = "{\"text\":\"" + new string('x', 1000) + "\"}\n";
        var jsonl = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(line, 22 * 1024 * 1024 / line.Length)));
        var csv = Encoding.UTF8.GetBytes("text\n" + string.Concat(Enumerable.Repeat(new string('y', 1000) + "\n", 22 * 1024)));
        Assert.True(jsonl.Length > 20 * 1024 * 1024 && csv.Length > 20 * 1024 * 1024);

        using var body = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/items", token, content: Body(jsonl, "application/x-ndjson"));
        using var form = new MultipartFormDataContent { { Body(csv, "text/csv"), "files", "big.csv" } };
        using var multipart = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/items", token, content: form);
        using var chunked = new StreamContent(new MemoryStream(jsonl));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        chunked.Headers.ContentLength = null;
        using var unsized = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/items", token, content: chunked);

        foreach (var response in new[] { body, multipart, unsized })
        {
            var detail = (await ApiKit.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge)).GetProperty("detail").GetString();
            Assert.Contains("over the 20 MiB limit for a text file (Import:MaxFileBytes)", detail, StringComparison.Ordinal);
        }
        Assert.Contains("big.csv is", (await ApiKit.JsonAsync(multipart)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await ItemCountAsync(project));
    }

    [Fact]
    public async Task The_import_result_counts_duplicate_lines_and_an_import_past_the_label_limit_is_a_422()
    {
        var (_, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Write);
        var project = await _kit.ProjectAsync();
        var same = string.Concat(Enumerable.Repeat("{\"text\":\"again and again\"}\n", 500));
        var labels = string.Concat(Enumerable.Range(0, 300).Select(i => $"{{\"text\":\"text {i}\",\"label\":\"l{i}\"}}\n"));

        using var duplicates = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/items", token, content: Body(same, "application/x-ndjson"));
        using var tooMany = await _kit.SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/items", token, content: Body(labels, "application/x-ndjson"));

        var report = await ApiKit.JsonAsync(duplicates);
        Assert.Equal((1, 499), (report.GetProperty("added").GetInt32(), report.GetProperty("duplicatesSkipped").GetInt32()));
        var problem = await ApiKit.ProblemAsync(tooMany, HttpStatusCode.UnprocessableEntity);
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Contains("300 new label(s); with the project's 2 that makes 302, over the limit of 200 labels per project", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await ItemCountAsync(project));
        await using var db = factory.Database.CreateContext();
        Assert.Equal(2, await db.LabelClasses.CountAsync(l => l.ProjectId == project, Cancel));
    }
}
