using System.Net;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Pages;

/// <summary>Who may see which project pages, and the create form.</summary>
public sealed class ProjectPagesTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static Uri Url(string path) => new(path, UriKind.Relative);

    private ProjectService Projects => factory.Services.GetRequiredService<ProjectService>();

    private Task<int> CreateProjectAsync(string prefix, params LabelSpec[] labels) =>
        Projects.CreateAsync(Caller.System, new ProjectInput($"{prefix}-{Guid.NewGuid():N}", ProjectKind.Text, labels), Cancel);

    [Fact]
    public async Task An_annotator_sees_only_the_projects_they_are_a_member_of()
    {
        var (client, userId, _) = await factory.CreateLoggedInClientAsync(Roles.Annotator);
        using (client)
        {
            var member = await CreateProjectAsync("member");
            var other = await CreateProjectAsync("other");
            await Projects.AddMemberAsync(Caller.System, member, userId, Cancel);

            using var response = await client.GetAsync(Url("/projects"), Cancel);

            var page = await Html.ParseAsync(response);
            var rows = page.QuerySelectorAll("[data-testid=project-table] tbody tr").Select(r => r.GetAttribute("data-project-id")).ToList();
            Assert.Equal([member.ToString(System.Globalization.CultureInfo.InvariantCulture)], rows);
            Assert.Null(page.QuerySelector("a[href='/projects/new']"));
            Assert.Null(page.QuerySelector("a[href='/admin']"));
            _ = other;
        }
    }

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
    public async Task An_admin_creates_a_project_through_the_form()
    {
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            var name = $"form-{Guid.NewGuid():N}";

            using var response = await SubmitProjectFormAsync(client, new Dictionary<string, string>
            {
                ["project-name"] = name,
                ["project-kind"] = nameof(ProjectKind.Text),
                ["project-labels"] = "positive | p | #00aa00\nnegative\n",
                ["project-instructions"] = "Read carefully.",
                ["project-overlap"] = "2",
            });

            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            var id = await Projects.GetIdByNameAsync(name, Cancel);
            Assert.Equal($"/projects/{id}", Html.RedirectTarget(response));
            var details = await Projects.GetAsync(Caller.System, id, Cancel);
            Assert.Equal((ProjectKind.Text, 2, "Read carefully."), (details.Kind, details.Overlap, details.Instructions));
            Assert.Equal([new LabelSpec("positive", "p", "#00aa00"), new LabelSpec("negative", null, ProjectRules.DefaultColor(1))], details.Labels);
        }
    }

    [Fact]
    public async Task An_admin_edits_a_project_through_the_form()
    {
        var id = await CreateProjectAsync("edit", new LabelSpec("old"), new LabelSpec("kept", "k"));
        var renamed = $"edited-{Guid.NewGuid():N}";
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            using var page = await client.GetAsync(Url($"/projects/{id}/edit"), Cancel);
            var labels = (await Html.ParseAsync(page)).QuerySelector("#project-labels")!.TextContent;

            using var response = await SubmitFormAsync(client, $"/projects/{id}/edit", "project-edit", new Dictionary<string, string>
            {
                ["project-name"] = renamed,
                ["project-labels"] = "kept | k | #123456\nnew\n",
            });

            Assert.Equal($"old |  | {ProjectRules.DefaultColor(0)}\nkept | k | {ProjectRules.DefaultColor(1)}", labels.Trim());
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal($"/projects/{id}", Html.RedirectTarget(response));
            var details = await Projects.GetAsync(Caller.System, id, Cancel);
            Assert.Equal(renamed, details.Name);
            Assert.Equal([new LabelSpec("kept", "k", "#123456"), new LabelSpec("new", null, ProjectRules.DefaultColor(1))], details.Labels);
        }
    }

    [Fact]
    public async Task The_create_form_shows_validation_errors()
    {
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            using var response = await SubmitProjectFormAsync(client, new Dictionary<string, string>
            {
                ["project-name"] = $"bad-{Guid.NewGuid():N}",
                ["project-labels"] = "same\nsame\n",
            });

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = (await Html.ParseAsync(response)).QuerySelectorAll("li[data-field=labels]").Select(e => e.Text()).ToList();
            Assert.Equal(["Label 'same' appears twice."], errors);
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

    [Theory]
    [InlineData("Input.Instructions")]
    [InlineData("Input.LabelsText")]
    [InlineData("Input.Overlap")]
    [InlineData("Input.LeaseMinutes")]
    public async Task The_create_form_takes_an_absent_optional_field_as_its_default(string omitted)
    {
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            var name = $"absent-{Guid.NewGuid():N}";
            using var response = await SubmitFormAsync(client, "/projects/new", "project", new Dictionary<string, string>
            {
                ["project-name"] = name,
                ["project-kind"] = nameof(ProjectKind.Text),
                ["project-labels"] = "yes\nno",
                ["project-instructions"] = "Read twice.",
                ["project-overlap"] = "2",
                ["project-lease"] = "30",
            }, omit: omitted);

            Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Cancel)}");
            var id = (await Projects.ListAsync(Caller.System, Cancel)).Single(p => p.Name == name).Id;
            var details = await Projects.GetAsync(Caller.System, id, Cancel);
            Assert.Equal(omitted == "Input.Instructions" ? "" : "Read twice.", details.Instructions);
            Assert.Equal(omitted == "Input.LabelsText" ? [] : ["yes", "no"], details.Labels.Select(l => l.Name));
            Assert.Equal(omitted == "Input.Overlap" ? 1 : 2, details.Overlap);
            Assert.Equal(omitted == "Input.LeaseMinutes" ? 10 : 30, details.LeaseMinutes);
        }
    }

    [Theory]
    [InlineData("Input.Name", "name")]
    [InlineData("Input.Kind", "kind")]
    public async Task The_create_form_refuses_an_absent_required_field_by_name(string omitted, string field)
    {
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            var before = (await Projects.ListAsync(Caller.System, Cancel)).Count;
            using var response = await SubmitFormAsync(client, "/projects/new", "project", new Dictionary<string, string>
            {
                ["project-name"] = $"absent-{Guid.NewGuid():N}",
                ["project-kind"] = nameof(ProjectKind.Text),
            }, omit: omitted);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var page = await Html.ParseAsync(response);
            Assert.Contains("is required", page.QuerySelector($"li[data-field={field}]")!.Text(), StringComparison.Ordinal);
            Assert.NotNull(page.QuerySelector("[data-testid=project-form]"));
            Assert.Equal(before, (await Projects.ListAsync(Caller.System, Cancel)).Count);
        }
    }

    [Theory]
    [InlineData("Input.Name")]
    [InlineData("Input.Kind")]
    [InlineData("Input.LabelsText")]
    [InlineData("Input.Instructions")]
    [InlineData("Input.Overlap")]
    [InlineData("Input.LeaseMinutes")]
    public async Task The_edit_form_keeps_the_value_of_an_absent_field(string omitted)
    {
        var name = $"keep-{Guid.NewGuid():N}";
        var id = await Projects.CreateAsync(Caller.System,
            new ProjectInput(name, ProjectKind.Text, [new LabelSpec("yes"), new LabelSpec("no")], "Read twice.", Overlap: 2, LeaseMinutes: 30), Cancel);
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            using var response = await SubmitFormAsync(client, $"/projects/{id}/edit", "project-edit", [], omit: omitted);

            Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Cancel)}");
            var details = await Projects.GetAsync(Caller.System, id, Cancel);
            Assert.Equal((name, ProjectKind.Text, "Read twice.", 2, 30), (details.Name, details.Kind, details.Instructions, details.Overlap, details.LeaseMinutes));
            Assert.Equal(["yes", "no"], details.Labels.Select(l => l.Name));
        }
    }

    /// <summary>
    /// Fills the rendered create form as a browser would: every field keeps the name and value the page gave it
    /// (hidden handler and token included), and <paramref name="valuesById"/> sets fields by element id.
    /// </summary>
    private static Task<HttpResponseMessage> SubmitProjectFormAsync(HttpClient client, Dictionary<string, string> valuesById) =>
        SubmitFormAsync(client, "/projects/new", "project", valuesById);

    private static async Task<HttpResponseMessage> SubmitFormAsync(
        HttpClient client, string path, string handler, Dictionary<string, string> valuesById, string? omit = null)
    {
        using var page = await client.GetAsync(Url(path), Cancel);
        var form = (await Html.ParseAsync(page)).QuerySelector($"form:has(input[name=_handler][value='{handler}'])")!;
        Assert.NotNull(form);
        Assert.Equal("post", form.GetAttribute("method"), ignoreCase: true);
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var field in form.QuerySelectorAll("input[name], select[name], textarea[name]"))
        {
            var type = field.GetAttribute("type");
            if ((type == "checkbox" && !field.HasAttribute("checked")) || field.GetAttribute("name") == omit)
            {
                continue;
            }
            var value = valuesById.TryGetValue(field.Id ?? "", out var given)
                ? given
                : field.LocalName switch
                {
                    "textarea" => field.TextContent,
                    "select" => field.QuerySelector("option[selected]")?.GetAttribute("value") ?? field.QuerySelector("option")?.GetAttribute("value") ?? "",
                    _ => field.GetAttribute("value") ?? "",
                };
            fields.Add(new(field.GetAttribute("name")!, value));
        }
        Assert.Contains(fields, f => f.Key == WebForms.AntiforgeryField);
        using var content = new FormUrlEncodedContent(fields);
        return await client.PostAsync(Url(path), content, Cancel);
    }
}
