using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Import;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Accounts;
using LabelLoop.Data.Annotations;
using LabelLoop.Data.Import;
using LabelLoop.Data.Projects;
using LabelLoop.Jobs.Export;
using LabelLoop.Jobs.Training;
using LabelLoop.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Api;

public sealed class ExportsApiTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private T Get<T>() where T : notnull => factory.Services.GetRequiredService<T>();

    /// <summary>
    /// A text project of four items, two of them labeled by its member (a reviewer, who may export); tokens for the
    /// member, a second reviewer, an annotator member, an outsider and an admin.
    /// </summary>
    private async Task<Setup> SetupAsync(string kind = "text")
    {
        var projects = Get<ProjectService>();
        var name = $"exports-{Guid.NewGuid():N}";
        var project = await projects.CreateAsync(Caller.System, new ProjectInput(name,
            kind == "text" ? ProjectKind.Text : ProjectKind.Image, [new LabelSpec("pos"), new LabelSpec("neg")]), Cancel);
        var memberId = await factory.CreateUserAsync($"member-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", Roles.Reviewer);
        var otherMemberId = await factory.CreateUserAsync($"other-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", Roles.Reviewer);
        var annotatorId = await factory.CreateUserAsync($"annotator-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", Roles.Annotator);
        var outsiderId = await factory.CreateUserAsync($"outsider-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", Roles.Annotator);
        var adminId = await factory.CreateUserAsync($"admin-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", Roles.Admin);
        await projects.AddMemberAsync(Caller.System, project, memberId, Cancel);
        await projects.AddMemberAsync(Caller.System, project, otherMemberId, Cancel);
        await projects.AddMemberAsync(Caller.System, project, annotatorId, Cancel);
        if (kind == "text")
        {
            var jsonl = "{\"id\":\"r1\",\"text\":\"one\"}\n{\"id\":\"r2\",\"text\":\"two\"}\n{\"id\":\"r3\",\"text\":\"three\"}\n{\"id\":\"r4\",\"text\":\"four\"}\n";
            var entry = new ImportEntry("in.jsonl", jsonl.Length, () => new MemoryStream(Encoding.UTF8.GetBytes(jsonl)));
            Assert.True((await Get<ImportService>().ImportAsync(project, new ImportListing([entry], []), cancellationToken: Cancel)).Succeeded);
            await using var db = factory.Database.CreateContext();
            var ids = await db.Items.Where(i => i.ProjectId == project).OrderBy(i => i.Id).Select(i => i.Id).ToListAsync(Cancel);
            var member = new Caller(memberId, false);
            await factory.Database.LeaseAsync(project, memberId, ids.Take(2));
            await Get<AnnotationService>().SubmitAsync(member, project, new SubmitAnnotation(ids[0], "pos"), Cancel);
            await Get<AnnotationService>().SubmitAsync(member, project, new SubmitAnnotation(ids[1], "neg"), Cancel);
        }
        async Task<string> Token(string userId, string scope) =>
            (await Get<ApiTokenService>().CreateAsync(Caller.System, userId, "test", [scope], null, Cancel)).Secret;
        return new Setup(project, memberId,
            await Token(memberId, ApiScopes.Read), await Token(memberId, ApiScopes.Write),
            await Token(otherMemberId, ApiScopes.Write), await Token(outsiderId, ApiScopes.Write), await Token(adminId, ApiScopes.Admin),
            annotatorId, await Token(annotatorId, ApiScopes.Write));
    }

    private sealed record Setup(
        int Project, string MemberId, string Read, string Write, string OtherWrite, string Outsider, string Admin, string AnnotatorId, string AnnotatorWrite);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, object? body = null, HttpClient? client = null)
    {
        using var own = client is null ? factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }) : null;
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        return await (client ?? own!).SendAsync(request, Cancel);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);

    [Fact]
    public async Task Get_export_streams_jsonl_and_csv_with_filters()
    {
        var s = await SetupAsync();

        using var all = await SendAsync(HttpMethod.Get, $"/api/v1/projects/{s.Project}/export", s.Admin);
        using var labeled = await SendAsync(HttpMethod.Get, $"/api/v1/projects/{s.Project}/export?format=jsonl&labeledOnly=true", s.Read);
        using var neg = await SendAsync(HttpMethod.Get, $"/api/v1/projects/{s.Project}/export?format=csv&label=neg", s.Read);
        using var window = await SendAsync(HttpMethod.Get, $"/api/v1/projects/{s.Project}/export?since=2000-01-01T00:00:00Z&until=2001-01-01T00:00:00Z", s.Read);

        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal("application/x-ndjson", all.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"project-{s.Project}-export.jsonl", all.Content.Headers.ContentDisposition?.FileName);
        var lines = (await all.Content.ReadAsStringAsync(Cancel)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["r1", "r2", "r3", "r4"], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("externalId").GetString()));
        using (var first = JsonDocument.Parse(lines[0]))
        {
            var annotation = first.RootElement.GetProperty("annotations")[0];
            Assert.StartsWith("member-", annotation.GetProperty("annotator").GetString(), StringComparison.Ordinal);
            Assert.Equal("pos", first.RootElement.GetProperty("finalLabel").GetString());
        }
        Assert.Equal(2, (await labeled.Content.ReadAsStringAsync(Cancel)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("text/csv", neg.Content.Headers.ContentType?.MediaType);
        var rows = CsvReader.ReadRows(await neg.Content.ReadAsStringAsync(Cancel));
        Assert.Equal(2, rows.Count);
        Assert.Equal("two", rows[1].Fields[2]);
        Assert.Equal("", await window.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task Get_export_refuses_bad_input_before_streaming_and_sends_large_exports_to_the_job()
    {
        var s = await SetupAsync();
        using var small = factory.WithWebHostBuilder(b => b.UseSetting("Export:MaxDirectItems", "3"))
            .CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using var format = await SendAsync(HttpMethod.Get, $"/api/v1/projects/{s.Project}/export?format=xml", s.Read);
        using var zip = await SendAsync(HttpMethod.Get, $"/api/v1/projects/{s.Project}/export?format=zip", s.Read);
        using var window = await SendAsync(HttpMethod.Get, $"/api/v1/projects/{s.Project}/export?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", s.Read);
        using var date = await SendAsync(HttpMethod.Get, $"/api/v1/projects/{s.Project}/export?since=yesterday", s.Read);
        using var tooMany = await SendAsync(HttpMethod.Get, $"/api/v1/projects/{s.Project}/export", s.Read, client: small);
        using var fewEnough = await SendAsync(HttpMethod.Get, $"/api/v1/projects/{s.Project}/export?labeledOnly=true", s.Read, client: small);

        Assert.Equal(HttpStatusCode.BadRequest, format.StatusCode);
        Assert.True((await JsonAsync(format)).GetProperty("errors").TryGetProperty("format", out _));
        Assert.Equal(HttpStatusCode.BadRequest, zip.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, window.StatusCode);
        Assert.True((await JsonAsync(window)).GetProperty("errors").TryGetProperty("until", out _));
        Assert.Equal(HttpStatusCode.BadRequest, date.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("run as a job", await tooMany.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, fewEnough.StatusCode);
    }

    [Fact]
    public async Task Every_export_endpoint_needs_a_token_the_scope_and_the_membership()
    {
        var s = await SetupAsync();
        var p = $"/api/v1/projects/{s.Project}";
        var reads = new[] { $"{p}/export", $"{p}/exports", $"{p}/exports/1", $"{p}/exports/1/file" };

        foreach (var path in reads)
        {
            using var anonymous = await SendAsync(HttpMethod.Get, path, null);
            using var outsider = await SendAsync(HttpMethod.Get, path, s.Outsider);
            Assert.True(anonymous.StatusCode == HttpStatusCode.Unauthorized, path);
            Assert.True(outsider.StatusCode == HttpStatusCode.Forbidden, path);
        }
        using var postAnonymous = await SendAsync(HttpMethod.Post, $"{p}/exports", null, new { format = "jsonl" });
        using var postRead = await SendAsync(HttpMethod.Post, $"{p}/exports", s.Read, new { format = "jsonl" });
        using var postOutsider = await SendAsync(HttpMethod.Post, $"{p}/exports", s.Outsider, new { format = "jsonl" });
        using var deleteRead = await SendAsync(HttpMethod.Delete, $"{p}/exports/1", s.Read);
        using var missingProject = await SendAsync(HttpMethod.Get, $"/api/v1/projects/{int.MaxValue}/exports", s.Admin);
        using var missingExport = await SendAsync(HttpMethod.Get, $"{p}/exports/{long.MaxValue}", s.Read);
        using var missingFile = await SendAsync(HttpMethod.Get, $"{p}/exports/{long.MaxValue}/file", s.Read);
        using var missingDelete = await SendAsync(HttpMethod.Delete, $"{p}/exports/{long.MaxValue}", s.Write);

        Assert.Equal(HttpStatusCode.Unauthorized, postAnonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, postRead.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, postOutsider.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, deleteRead.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missingProject.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missingExport.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missingFile.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missingDelete.StatusCode);
        Assert.Equal("application/problem+json", missingExport.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Post_exports_queues_a_job_whose_file_is_served_with_its_sha256_once_done()
    {
        var s = await SetupAsync();

        using var created = await SendAsync(HttpMethod.Post, $"/api/v1/projects/{s.Project}/exports", s.Write, new { format = "jsonl", labeledOnly = true });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var export = await JsonAsync(created);
        var id = export.GetProperty("id").GetInt64();
        var location = created.Headers.Location!.OriginalString;
        Assert.Equal($"/api/v1/projects/{s.Project}/exports/{id}", location);
        Assert.Equal("queued", export.GetProperty("status").GetString());
        Assert.True(export.GetProperty("filter").GetProperty("labeledOnly").GetBoolean());
        using (var early = await SendAsync(HttpMethod.Get, location + "/file", s.Read))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
            Assert.Contains("queued", await early.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        }

        // What the scheduler does on a job node (jobs are off in this test host).
        var jobId = export.GetProperty("jobId").GetInt64();
        Assert.Equal(RunOutcome.Succeeded, await Get<ExportRunner>().RunAsync(jobId, RunAttempt.Only, Cancel));

        using var status = await SendAsync(HttpMethod.Get, location, s.Read);
        var done = await JsonAsync(status);
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(100, done.GetProperty("progress").GetInt32());
        Assert.Equal(2, done.GetProperty("itemCount").GetInt64());
        Assert.Equal(location + "/file", done.GetProperty("fileUrl").GetString());
        using var file = await SendAsync(HttpMethod.Get, location + "/file", s.Read);
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        var bytes = await file.Content.ReadAsByteArrayAsync(Cancel);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.Equal(sha, done.GetProperty("sha256").GetString());
        Assert.Equal(bytes.Length, done.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(sha, file.Headers.GetValues("X-Content-SHA256").Single());
        Assert.Equal($"sha-256=:{Convert.ToBase64String(SHA256.HashData(bytes))}:", file.Headers.GetValues("Repr-Digest").Single());
        Assert.EndsWith($"-export-{id}.jsonl", file.Content.Headers.ContentDisposition?.FileName, StringComparison.Ordinal);
        Assert.Equal("application/x-ndjson", file.Content.Headers.ContentType?.MediaType);
        Assert.Equal(2, Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Post_exports_validates_the_request()
    {
        var s = await SetupAsync();
        var path = $"/api/v1/projects/{s.Project}/exports";

        using var noFormat = await SendAsync(HttpMethod.Post, path, s.Write, new { labeledOnly = true });
        using var badFormat = await SendAsync(HttpMethod.Post, path, s.Write, new { format = "parquet" });
        using var zipOfText = await SendAsync(HttpMethod.Post, path, s.Write, new { format = "zip" });
        using var badWindow = await SendAsync(HttpMethod.Post, path, s.Write, new { format = "csv", since = "2026-02-01T00:00:00Z", until = "2026-01-01T00:00:00Z" });
        using var longLabel = await SendAsync(HttpMethod.Post, path, s.Write, new { format = "csv", label = new string('x', 101) });

        foreach (var (response, field) in new[] { (noFormat, "format"), (badFormat, "format"), (zipOfText, "format"), (badWindow, "until"), (longLabel, "label") })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await JsonAsync(response)).GetProperty("errors").TryGetProperty(field, out _), field);
        }
    }

    [Fact]
    public async Task The_export_list_pages_newest_first_and_delete_removes_an_export_and_its_file()
    {
        var s = await SetupAsync();
        var p = $"/api/v1/projects/{s.Project}";
        var ids = new List<long>();
        foreach (var format in new[] { "jsonl", "csv", "jsonl" })
        {
            using var created = await SendAsync(HttpMethod.Post, $"{p}/exports", s.Write, new { format });
            ids.Add((await JsonAsync(created)).GetProperty("id").GetInt64());
        }
        var firstJob = (await JsonAsync(await SendAsync(HttpMethod.Get, $"{p}/exports/{ids[0]}", s.Read))).GetProperty("jobId").GetInt64();
        await Get<ExportRunner>().RunAsync(firstJob, RunAttempt.Only, Cancel);

        using var page1 = await SendAsync(HttpMethod.Get, $"{p}/exports?limit=2", s.Read);
        var first = await JsonAsync(page1);
        var cursor = first.GetProperty("nextCursor").GetString();
        using var page2 = await SendAsync(HttpMethod.Get, $"{p}/exports?limit=2&cursor={Uri.EscapeDataString(cursor!)}", s.Read);
        var second = await JsonAsync(page2);
        using var badLimit = await SendAsync(HttpMethod.Get, $"{p}/exports?limit=0", s.Read);
        using var badCursor = await SendAsync(HttpMethod.Get, $"{p}/exports?cursor=nonsense", s.Read);

        Assert.Equal([ids[2], ids[1]], first.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()));
        Assert.Equal([ids[0]], second.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.StatusCode);

        var file = Path.Combine(factory.DataDir.Path, "exports", $"project-{s.Project}", $"export-{ids[0]}.jsonl");
        Assert.True(File.Exists(file));
        using var notYours = await SendAsync(HttpMethod.Delete, $"{p}/exports/{ids[0]}", s.OtherWrite);
        using var deleted = await SendAsync(HttpMethod.Delete, $"{p}/exports/{ids[0]}", s.Write);
        using var byAdmin = await SendAsync(HttpMethod.Delete, $"{p}/exports/{ids[1]}", s.Admin);
        using var gone = await SendAsync(HttpMethod.Get, $"{p}/exports/{ids[0]}", s.Read);

        Assert.Equal(HttpStatusCode.Forbidden, notYours.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, byAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.False(File.Exists(file));
        // The queued export deleted by the admin will never run: its job run is cancelled.
        await using var db = factory.Database.CreateContext();
        Assert.Equal(Core.Jobs.JobStatus.Cancelled, await db.JobRuns.Where(j => j.ParametersJson.Contains($"\"exportId\":{ids[1]}")).Select(j => j.Status).SingleAsync(Cancel));
    }

    [Fact]
    public async Task An_image_project_exports_an_imagenet_style_zip_through_the_api()
    {
        var s = await SetupAsync("image");
        var png = TestImages.Png(42);
        var entries = new[] { new ImportEntry("cat/x.png", png.Length, () => new MemoryStream(png)) };
        Assert.True((await Get<ImportService>().ImportAsync(s.Project, new ImportListing(entries, []), cancellationToken: Cancel)).Succeeded);
        await using (var db = factory.Database.CreateContext())
        {
            var itemId = await db.Items.Where(i => i.ProjectId == s.Project).Select(i => i.Id).SingleAsync(Cancel);
            await factory.Database.LeaseAsync(s.Project, s.MemberId, itemId);
            await Get<AnnotationService>().SubmitAsync(new Caller(s.MemberId, false), s.Project, new SubmitAnnotation(itemId, "neg"), Cancel);
        }

        using var response = await SendAsync(HttpMethod.Get, $"/api/v1/projects/{s.Project}/export?format=zip", s.Admin);
        using var byReviewer = await SendAsync(HttpMethod.Get, $"/api/v1/projects/{s.Project}/export?format=zip", s.Read);

        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync(Cancel)), ZipArchiveMode.Read);
        var entry = Assert.Single(zip.Entries);
        Assert.StartsWith("neg/", entry.FullName, StringComparison.Ordinal);
        Assert.EndsWith("_x.png", entry.FullName, StringComparison.Ordinal);
        // A reviewer's zip names files by item id alone: the file name comes from the import's path.
        using var reviewerZip = new ZipArchive(new MemoryStream(await byReviewer.Content.ReadAsByteArrayAsync(Cancel)), ZipArchiveMode.Read);
        Assert.Matches("^neg/[0-9]+\\.png$", Assert.Single(reviewerZip.Entries).FullName);
    }

    [Fact]
    public async Task Annotators_get_403_from_every_export_endpoint_even_with_a_write_token()
    {
        var s = await SetupAsync();
        var p = $"/api/v1/projects/{s.Project}";
        using var created = await SendAsync(HttpMethod.Post, $"{p}/exports", s.Write, new { format = "jsonl" });
        var export = await JsonAsync(created);
        var id = export.GetProperty("id").GetInt64();
        Assert.Equal(RunOutcome.Succeeded, await Get<ExportRunner>().RunAsync(export.GetProperty("jobId").GetInt64(), RunAttempt.Only, Cancel));

        var refused = new List<HttpResponseMessage>
        {
            await SendAsync(HttpMethod.Get, $"{p}/export?format=jsonl", s.AnnotatorWrite),
            await SendAsync(HttpMethod.Get, $"{p}/export?format=csv", s.AnnotatorWrite),
            await SendAsync(HttpMethod.Post, $"{p}/exports", s.AnnotatorWrite, new { format = "jsonl" }),
            await SendAsync(HttpMethod.Get, $"{p}/exports", s.AnnotatorWrite),
            await SendAsync(HttpMethod.Get, $"{p}/exports/{id}", s.AnnotatorWrite),
            await SendAsync(HttpMethod.Get, $"{p}/exports/{id}/file", s.AnnotatorWrite),
            await SendAsync(HttpMethod.Delete, $"{p}/exports/{id}", s.AnnotatorWrite),
        };

        foreach (var response in refused)
        {
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(Cancel);
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri}: {(int)response.StatusCode} {body}");
                Assert.Contains("Only admins and the project's reviewers can export", body, StringComparison.Ordinal);
            }
        }
        await using var db = factory.Database.CreateContext();
        Assert.Equal(1, await db.ExportRuns.CountAsync(e => e.ProjectId == s.Project, Cancel));
    }

    [Fact]
    public async Task A_reviewer_exports_every_answer_but_no_external_id()
    {
        var s = await SetupAsync();

        using var jsonl = await SendAsync(HttpMethod.Get, $"/api/v1/projects/{s.Project}/export?format=jsonl", s.Read);
        using var csv = await SendAsync(HttpMethod.Get, $"/api/v1/projects/{s.Project}/export?format=csv", s.Read);

        var lines = (await jsonl.Content.ReadAsStringAsync(Cancel)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.All(lines, l => Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(l).RootElement.GetProperty("externalId").ValueKind));
        Assert.StartsWith("member-", JsonDocument.Parse(lines[0]).RootElement.GetProperty("annotations")[0].GetProperty("annotator").GetString(), StringComparison.Ordinal);
        var rows = CsvReader.ReadRows(await csv.Content.ReadAsStringAsync(Cancel));
        Assert.Equal(["", "", "", ""], rows.Skip(1).Select(r => r.Fields[1]));
        Assert.Equal(["one", "two", "three", "four"], rows.Skip(1).Select(r => r.Fields[2]));
    }

    [Fact]
    public async Task An_export_job_is_written_for_its_requester_as_they_are_when_it_runs()
    {
        var s = await SetupAsync();
        var p = $"/api/v1/projects/{s.Project}";
        using var byReviewer = await SendAsync(HttpMethod.Post, $"{p}/exports", s.Write, new { format = "jsonl" });
        using var byAdmin = await SendAsync(HttpMethod.Post, $"{p}/exports", s.Admin, new { format = "jsonl" });
        var reviewerExport = await JsonAsync(byReviewer);
        var adminExport = await JsonAsync(byAdmin);

        // The reviewer becomes an annotator before the job runs: the job writes nothing for them.
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UserService>().SetRoleAsync(Caller.System, s.MemberId, Roles.Annotator);
        }
        Assert.Equal(RunOutcome.Failed, await Get<ExportRunner>().RunAsync(reviewerExport.GetProperty("jobId").GetInt64(), RunAttempt.Only, Cancel));
        Assert.Equal(RunOutcome.Succeeded, await Get<ExportRunner>().RunAsync(adminExport.GetProperty("jobId").GetInt64(), RunAttempt.Only, Cancel));

        var failed = await JsonAsync(await SendAsync(HttpMethod.Get, $"{p}/exports/{reviewerExport.GetProperty("id").GetInt64()}", s.Admin));
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains("Only admins and the project's reviewers can export", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(factory.DataDir.Path, "exports"), $"export-{reviewerExport.GetProperty("id").GetInt64()}.*", SearchOption.AllDirectories));
        using var file = await SendAsync(HttpMethod.Get, $"{p}/exports/{adminExport.GetProperty("id").GetInt64()}/file", s.Admin);
        Assert.Contains("\"externalId\":\"r1\"", await file.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reviewer_sees_only_the_export_jobs_they_started()
    {
        var s = await SetupAsync();
        var p = $"/api/v1/projects/{s.Project}";
        using var mine = await SendAsync(HttpMethod.Post, $"{p}/exports", s.Write, new { format = "jsonl" });
        using var admins = await SendAsync(HttpMethod.Post, $"{p}/exports", s.Admin, new { format = "jsonl" });
        var mineId = (await JsonAsync(mine)).GetProperty("id").GetInt64();
        var adminExport = await JsonAsync(admins);
        var adminsId = adminExport.GetProperty("id").GetInt64();
        Assert.Equal(RunOutcome.Succeeded, await Get<ExportRunner>().RunAsync(adminExport.GetProperty("jobId").GetInt64(), RunAttempt.Only, Cancel));

        var listed = (await JsonAsync(await SendAsync(HttpMethod.Get, $"{p}/exports", s.Read))).GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetInt64());
        var listedForAdmin = (await JsonAsync(await SendAsync(HttpMethod.Get, $"{p}/exports", s.Admin))).GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetInt64());
        using var status = await SendAsync(HttpMethod.Get, $"{p}/exports/{adminsId}", s.Read);
        using var file = await SendAsync(HttpMethod.Get, $"{p}/exports/{adminsId}/file", s.Read);

        Assert.Equal([mineId], listed);
        Assert.Equal([adminsId, mineId], listedForAdmin);
        // The admin's file holds external ids a reviewer's projection leaves out.
        Assert.Equal(HttpStatusCode.Forbidden, status.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, file.StatusCode);
    }
}
