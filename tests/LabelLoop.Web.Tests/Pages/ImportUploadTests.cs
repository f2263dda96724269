using System.Net;
using System.Net.Http.Headers;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Pages;

/// <summary>The project page's upload form: POST /projects/{id}/import renders the import report.</summary>
public sealed class ImportUploadTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<int> CreateImageProjectAsync() =>
        await factory.Services.GetRequiredService<ProjectService>().CreateAsync(
            Caller.System, new ProjectInput($"upload-{Guid.NewGuid():N}", ProjectKind.Image, []), Cancel);

    private async Task<int> CountItemsAsync(int projectId)
    {
        await using var db = factory.Database.CreateContext();
        return await db.Items.CountAsync(i => i.ProjectId == projectId, Cancel);
    }

    private static async Task<HttpResponseMessage> UploadAsync(HttpClient client, int projectId, string fileName, byte[] content, string? token)
    {
        using var form = new MultipartFormDataContent();
        if (token is not null)
        {
            form.Add(new StringContent(token), WebForms.AntiforgeryField);
        }
        form.Add(new StringContent("true"), "addMissingLabels");
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        form.Add(file, "file", fileName);
        return await client.PostAsync(new Uri($"/projects/{projectId}/import", UriKind.Relative), form, Cancel);
    }

    [Fact]
    public async Task A_zip_with_a_corrupt_png_and_a_zip_slip_entry_shows_each_problem_and_imports_nothing()
    {
        var id = await CreateImageProjectAsync();
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            var token = await WebForms.GetAntiforgeryTokenAsync(client, $"/projects/{id}");
            var zip = TestImages.Zip(
                ("cat/good.png", TestImages.Png(1)),
                ("cat/broken.png", TestImages.CorruptPng(2)),
                ("../evil.png", TestImages.Png(3)));

            using var response = await UploadAsync(client, id, "batch.zip", zip, token);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await Html.ParseAsync(response);
            Assert.Contains("Nothing was imported.", page.QuerySelector("[data-testid=import-errors]")!.Text(), StringComparison.Ordinal);
            var problems = page.QuerySelectorAll("table tbody tr")
                .Select(r => (File: r.Children[0].Text(), Problem: r.Children[1].Text()))
                .OrderBy(p => p.File, StringComparer.Ordinal)
                .ToList();
            Assert.Equal(["../evil.png", "cat/broken.png"], problems.Select(p => p.File));
            Assert.Contains("path traversal", problems[0].Problem, StringComparison.Ordinal);
            Assert.Contains("bad CRC", problems[1].Problem, StringComparison.Ordinal);
            Assert.Equal(0, await CountItemsAsync(id));
        }
    }

    [Fact]
    public async Task An_upload_over_the_inline_limit_is_imported_by_a_job_that_the_page_points_to()
    {
        var id = await CreateImageProjectAsync();
        using var small = factory.WithWebHostBuilder(b => b.UseSetting("Import:InlineMaxBytes", "64"));
        var email = $"admin-{Guid.NewGuid():N}@example.org";
        await factory.CreateUserAsync(email, "Passw0rd-for-tests", Roles.Admin);
        using var client = small.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        await WebForms.LoginAsync(client, email, "Passw0rd-for-tests");
        var token = await WebForms.GetAntiforgeryTokenAsync(client, $"/projects/{id}");
        var zip = TestImages.Zip(("cat/a.png", TestImages.Png(31)), ("dog/b.png", TestImages.Png(32)));

        using var response = await UploadAsync(client, id, "big.zip", zip, token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await Html.ParseAsync(response);
        Assert.Contains("being imported in the background", page.QuerySelector("[data-testid=import-queued]")!.Text(), StringComparison.Ordinal);
        Assert.Equal(0, await CountItemsAsync(id));
        long runId;
        await using (var db = factory.Database.CreateContext())
        {
            var run = await db.JobRuns.SingleAsync(j => j.ProjectId == id, Cancel);
            Assert.Equal((Core.Jobs.JobKind.Import, Core.Jobs.JobStatus.Queued), (run.Kind, run.Status));
            Assert.DoesNotContain(factory.DataDir.Path, JobRunView.From(run).ToString(), StringComparison.Ordinal);
            runId = run.Id;
        }

        var outcome = await small.Services.GetRequiredService<Jobs.Import.ImportRunner>().RunAsync(runId, Jobs.Training.RunAttempt.Only, Cancel);

        Assert.Equal(Jobs.Training.RunOutcome.Succeeded, outcome);
        Assert.Equal(2, await CountItemsAsync(id));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(factory.DataDir.Path, "uploads"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_good_zip_imports_its_images_and_labels()
    {
        var id = await CreateImageProjectAsync();
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            var token = await WebForms.GetAntiforgeryTokenAsync(client, $"/projects/{id}");
            var zip = TestImages.Zip(
                ("pets/cat/a.png", TestImages.Png(11)),
                ("pets/dog/b.png", TestImages.Png(12)),
                ("pets/unlabeled/c.png", TestImages.Png(13)));

            using var response = await UploadAsync(client, id, "pets.zip", zip, token);
            using var again = await UploadAsync(client, id, "pets.zip", zip, token);

            var success = (await Html.ParseAsync(response)).QuerySelector("[data-testid=import-success]")!.Text();
            Assert.StartsWith("3 item(s) added from pets.zip.", success, StringComparison.Ordinal);
            Assert.Contains("New labels: cat, dog.", success, StringComparison.Ordinal);
            var repeat = (await Html.ParseAsync(again)).QuerySelector("[data-testid=import-success]")!.Text();
            Assert.Contains("0 item(s) added", repeat, StringComparison.Ordinal);
            Assert.Contains("3 were already in the project", repeat, StringComparison.Ordinal);
            Assert.Equal(3, await CountItemsAsync(id));
            var details = await factory.Services.GetRequiredService<ProjectService>().GetAsync(Caller.System, id, Cancel);
            Assert.Equal(["cat", "dog"], details.Labels.Select(l => l.Name));
        }
    }

    [Fact]
    public async Task A_file_name_with_markup_is_shown_as_text()
    {
        var id = await CreateImageProjectAsync();
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            var token = await WebForms.GetAntiforgeryTokenAsync(client, $"/projects/{id}");
            const string name = "<script>alert(1)</script>.zip";

            using var response = await UploadAsync(client, id, name, TestImages.Zip(("a.png", TestImages.Png(21))), token);

            var page = await Html.ParseAsync(response);
            Assert.Empty(page.QuerySelector("main")!.QuerySelectorAll("script"));
            Assert.Contains(name, page.QuerySelector("[data-testid=import-success]")!.TextContent, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_upload_without_the_antiforgery_token_is_rejected()
    {
        var id = await CreateImageProjectAsync();
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            using var response = await UploadAsync(client, id, "a.zip", TestImages.Zip(("a.png", TestImages.Png(31))), token: null);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(0, await CountItemsAsync(id));
        }
    }

    [Fact]
    public async Task An_annotator_may_not_upload()
    {
        var id = await CreateImageProjectAsync();
        var (client, userId, _) = await factory.CreateLoggedInClientAsync(Roles.Annotator);
        using (client)
        {
            await factory.Services.GetRequiredService<ProjectService>().AddMemberAsync(Caller.System, id, userId, Cancel);
            var token = await WebForms.GetAntiforgeryTokenAsync(client, $"/projects/{id}");

            using var response = await UploadAsync(client, id, "a.zip", TestImages.Zip(("a.png", TestImages.Png(41))), token);

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal(0, await CountItemsAsync(id));
        }
    }

    [Fact]
    public async Task A_file_that_is_not_a_zip_is_reported()
    {
        var id = await CreateImageProjectAsync();
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            var token = await WebForms.GetAntiforgeryTokenAsync(client, $"/projects/{id}");

            using var response = await UploadAsync(client, id, "broken.zip", "this is not a zip"u8.ToArray(), token);

            var page = await Html.ParseAsync(response);
            var row = Assert.Single(page.QuerySelectorAll("table tbody tr"));
            Assert.Equal("broken.zip", row.Children[0].Text());
            Assert.StartsWith("not a valid zip archive", row.Children[1].Text(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_text_file_over_the_file_limit_is_refused_and_duplicates_in_a_good_one_are_reported()
    {
        var id = await factory.Services.GetRequiredService<ProjectService>().CreateAsync(
            Caller.System, new ProjectInput($"upload-{Guid.NewGuid():N}", ProjectKind.Text, []), Cancel);
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            var token = await WebForms.GetAntiforgeryTokenAsync(client, $"/projects/{id}");
            var big = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"text\":\"" + new string('z', 1000) + "\"}\n", 22 * 1024)));
            var repeated = System.Text.Encoding.UTF8.GetBytes("{\"text\":\"a\"}\n{\"text\":\"a\"}\n{\"text\":\"b\"}\n{\"text\":\"a\"}\n");

            using var tooBig = await UploadAsync(client, id, "big.jsonl", big, token);
            using var good = await UploadAsync(client, id, "some.jsonl", repeated, token);

            Assert.Equal(HttpStatusCode.BadRequest, tooBig.StatusCode);
            Assert.Contains("over the 20 MiB limit for a text file", await tooBig.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
            var success = (await Html.ParseAsync(good)).QuerySelector("[data-testid=import-success]")!.Text();
            Assert.StartsWith("2 item(s) added", success, StringComparison.Ordinal);
            Assert.Contains("Skipped 2 duplicate(s)", success, StringComparison.Ordinal);
            Assert.Equal(2, await CountItemsAsync(id));
        }
    }
}
