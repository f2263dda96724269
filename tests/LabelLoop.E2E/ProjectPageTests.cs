using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Testing;
using Microsoft.Playwright;
using Xunit;

namespace LabelLoop.E2E;

/// <summary>The live project page: the upload goes through import-upload.js with its progress, and the job list follows new runs.</summary>
public sealed class ProjectPageTests(E2EServer server) : IClassFixture<E2EServer>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_upload_sends_the_form_from_the_live_page_and_shows_the_report_and_the_job_list_follows_new_runs()
    {
        var (_, adminEmail) = await server.CreateUserAsync(Roles.Admin);
        var project = await server.CreateImageProjectAsync(2, overlap: 1);
        var admin = await server.LogInAsync(adminEmail);

        await admin.GotoAsync($"/projects/{project}");
        // The module marks the form once the page is live and the upload is its to send.
        await Assertions.Expect(admin.Locator("form[data-testid=import-form][data-upload-attached=true]")).ToHaveCountAsync(1);

        await using (var db = server.Database.CreateContext())
        {
            // A live node's run: with no heartbeat the minutely recovery sweep would take it for a dead node's and queue it again.
            db.JobRuns.Add(new JobRun
            {
                ProjectId = project,
                Kind = JobKind.Import,
                Status = JobStatus.Running,
                Progress = 30,
                Message = "Importing",
                CreatedUtc = DateTime.UnixEpoch,
                Node = "e2e-test",
                HeartbeatUtc = TimeProvider.System.GetUtcNow().UtcDateTime,
            });
            await db.SaveChangesAsync(Cancel);
        }
        await Assertions.Expect(admin.Locator("[data-testid=job-run][data-status=Running]")).ToHaveCountAsync(1, new() { Timeout = 10_000 });

        var zip = TestImages.Zip(("cat/a.png", TestImages.Png(101)), ("dog/b.png", TestImages.Png(102)));
        await admin.Locator("[data-testid=import-file]").SetInputFilesAsync(new FilePayload { Name = "pets.zip", MimeType = "application/zip", Buffer = zip });
        await admin.Locator("[data-testid=import-submit]").ClickAsync();

        await Assertions.Expect(admin.Locator("[data-testid=import-success]")).ToContainTextAsync("2 item(s) added from pets.zip.");
        // The report took the page's place: the address is still the project's, so a reload shows the project again.
        Assert.EndsWith($"/projects/{project}", admin.Url, StringComparison.Ordinal);
        await admin.Locator("[data-testid=back-to-project]").ClickAsync();
        await Assertions.Expect(admin.Locator("[data-testid=project-counts] [data-count=items]")).ToHaveTextAsync("4");
        await admin.Context.CloseAsync();

        Assert.True(server.BrowserErrors.IsEmpty, string.Join("\n", server.BrowserErrors));
    }
}
