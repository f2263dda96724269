using System.Net;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Pages;

/// <summary>
/// Every page form posted with one of its fields left out (a hand-made client, an older page, a script): an optional
/// field takes its default, a required one is a 400 naming it; never a 500.
/// </summary>
public sealed class AbsentFieldTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task No_page_form_answers_a_5xx_when_a_field_is_left_out()
    {
        var projects = factory.Services.GetRequiredService<ProjectService>();
        var project = await projects.CreateAsync(Caller.System,
            new ProjectInput($"absent-{Guid.NewGuid():N}", ProjectKind.Text, [new LabelSpec("yes"), new LabelSpec("no")]), Cancel);
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            var forms = new (string Path, string Handler)[]
            {
                ($"/projects/{project}/dashboard/settings", "loop-settings"),
                ("/admin", "add-user"),
                ("/admin", $"member-{project}"),
                ("/admin/tokens", "create-token"),
            };
            var failures = new List<string>();
            var tried = 0;
            foreach (var (path, handler) in forms)
            {
                foreach (var field in await FieldNamesAsync(client, path, handler))
                {
                    tried++;
                    using var response = await PageForms.SubmitAsync(client, path, handler, omit: field);
                    if ((int)response.StatusCode >= 500)
                    {
                        failures.Add($"{path} ({handler}) without {field}: {(int)response.StatusCode}");
                    }
                }
            }

            Assert.True(tried >= 20, $"Only {tried} fields tried.");
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }
    }

    [Theory]
    [InlineData("email")]
    [InlineData("password")]
    public async Task Signing_in_without_a_field_is_a_400_naming_it(string omitted)
    {
        using var client = factory.CreateBrowserClient();
        var token = await WebForms.GetAntiforgeryTokenAsync(client, "/login");
        var fields = new Dictionary<string, string>
        {
            ["email"] = "someone@example.org",
            ["password"] = "whatever-1A",
            ["_handler"] = "login",
            [WebForms.AntiforgeryField] = token,
        };
        fields.Remove(omitted);
        using var form = new FormUrlEncodedContent(fields);

        using var response = await client.PostAsync(new Uri("/login", UriKind.Relative), form, Cancel);

        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}");
        Assert.NotEqual(HttpStatusCode.Redirect, response.StatusCode);
    }

    /// <summary>The names of the fields a user fills in (not the handler, the token, or hidden fields).</summary>
    private static async Task<List<string>> FieldNamesAsync(HttpClient client, string path, string handler)
    {
        using var page = await client.GetAsync(new Uri(path, UriKind.Relative), Cancel);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var form = (await Html.ParseAsync(page)).QuerySelector($"form:has(input[name=_handler][value='{handler}'])");
        Assert.True(form is not null, $"{path} has no form '{handler}'.");
        return form.QuerySelectorAll("input[name], select[name], textarea[name]")
            .Where(f => f.GetAttribute("type") != "hidden")
            .Select(f => f.GetAttribute("name")!)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }
}
