using System.Net;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Pages;

/// <summary>Who may see which project pages (prerendered HTML); the interactive parts are in <see cref="ProjectComponentTests"/>.</summary>
public sealed class ProjectPagesTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static Uri Url(string path) => new(path, UriKind.Relative);

    private ProjectService Projects => factory.Services.GetRequiredService<ProjectService>();

    private Task<int> CreateProjectAsync(string prefix, params LabelSpec[] labels) =>
        Projects.CreateAsync(Caller.System, new ProjectInput($"{prefix}-{Guid.NewGuid():N}", ProjectKind.Text, labels), Cancel);

    [Fact]
    public async Task An_annotator_without_projects_is_told_to_ask_an_admin()
    {
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Annotator);
        using (client)
        {
            using var response = await client.GetAsync(Url("/projects"), Cancel);

            var empty = (await Html.ParseAsync(response)).QuerySelector("[data-testid=empty-projects]");
            Assert.Contains("Ask an admin", empty!.Text(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/admin")]
    [InlineData("/projects/new")]
    public async Task An_annotator_is_forbidden_admin_pages(string path)
    {
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Annotator);
        using (client)
        {
            using var response = await client.GetAsync(Url(path), Cancel);

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("Access denied", (await Html.ParseAsync(response)).QuerySelector("h1")!.Text());
        }
    }

    [Fact]
    public async Task An_annotator_is_forbidden_a_project_they_are_not_a_member_of()
    {
        var (client, userId, _) = await factory.CreateLoggedInClientAsync(Roles.Annotator);
        using (client)
        {
            var secret = await CreateProjectAsync("secret");
            var shared = await CreateProjectAsync("shared");
            await Projects.AddMemberAsync(Caller.System, shared, userId, Cancel);

            using var forbidden = await client.GetAsync(Url($"/projects/{secret}"), Cancel);
            using var allowed = await client.GetAsync(Url($"/projects/{shared}"), Cancel);
            using var edit = await client.GetAsync(Url($"/projects/{shared}/edit"), Cancel);

            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
            var page = await Html.ParseAsync(forbidden);
            Assert.Equal("403", page.QuerySelector("[role=alert]")!.GetAttribute("data-status"));
            Assert.Null(page.QuerySelector("[data-testid=project-name]"));
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            var sharedPage = await Html.ParseAsync(allowed);
            Assert.NotNull(sharedPage.QuerySelector("[data-testid=project-name]"));
            Assert.Null(sharedPage.QuerySelector("[data-testid=import-form]"));
            Assert.Equal(HttpStatusCode.Forbidden, edit.StatusCode);
        }
    }

    [Fact]
    public async Task A_missing_project_is_not_found()
    {
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            using var response = await client.GetAsync(Url("/projects/999999"), Cancel);

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("Not found", (await Html.ParseAsync(response)).QuerySelector("h1")!.Text());
        }
    }

    [Fact]
    public async Task An_admin_sees_the_admin_page_with_the_user_list()
    {
        var (client, _, email) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            using var response = await client.GetAsync(Url("/admin"), Cancel);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var cells = (await Html.ParseAsync(response)).QuerySelectorAll("[data-testid=user-table] td").Select(c => c.Text());
            Assert.Contains(email, cells);
        }
    }

    [Fact]
    public async Task A_form_post_without_the_antiforgery_token_is_rejected()
    {
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            var name = $"forged-{Guid.NewGuid():N}";
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "project",
                ["Input.Name"] = name,
                ["Input.Kind"] = nameof(ProjectKind.Text),
                ["Input.LabelsText"] = "a",
                ["Input.Overlap"] = "1",
            });

            using var response = await client.PostAsync(Url("/projects/new"), form, Cancel);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.DoesNotContain(name, (await Projects.ListAsync(Caller.System, Cancel)).Select(p => p.Name));
        }
    }

    [Fact]
    public async Task An_admin_sees_the_project_page_with_labels_jobs_import_form_and_members()
    {
        var id = await CreateProjectAsync("page", new LabelSpec("cat", "c", "#112233"), new LabelSpec("dog"));
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            using var response = await client.GetAsync(Url($"/projects/{id}"), Cancel);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await Html.ParseAsync(response);
            Assert.Equal(["cat c", "dog 2"], page.QuerySelectorAll("[data-testid=label-list] [data-label]").Select(l => l.Text()));
            Assert.NotNull(page.QuerySelector("[data-testid=project-counts] [data-count=items]"));
            Assert.NotNull(page.QuerySelector("[data-testid=job-list] [data-testid=retrain-now]"));
            Assert.NotNull(page.QuerySelector("[data-testid=no-jobs]"));
            var form = page.QuerySelector("form[data-testid=import-form]")!;
            Assert.Equal(($"/projects/{id}/import", "multipart/form-data"), (form.GetAttribute("action"), form.GetAttribute("enctype")));
            Assert.NotNull(form.QuerySelector($"input[name={WebForms.AntiforgeryField}]"));
            Assert.NotNull(form.QuerySelector("input[type=file][name=file]"));
            Assert.NotNull(page.QuerySelector("[data-testid=member-list]"));
            Assert.Empty(page.QuerySelectorAll("[hx-get], [hx-post]"));
        }
    }

    [Fact]
    public async Task The_upload_script_is_served_and_the_job_list_fragment_is_gone()
    {
        var id = await CreateProjectAsync("script");
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            using var script = await client.GetAsync(Url("/js/import-upload.js"), Cancel);
            using var fragment = await client.GetAsync(Url($"/projects/{id}/jobs"), Cancel);

            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
            Assert.Contains("export function attach", await script.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, fragment.StatusCode);
        }
    }
}
