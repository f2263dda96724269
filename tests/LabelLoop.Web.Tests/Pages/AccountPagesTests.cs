using System.Net;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Pages;

public sealed class AccountPagesTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private const string Password = "Passw0rd-for-tests";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static Uri Url(string path) => new(path, UriKind.Relative);

    [Fact]
    public async Task Projects_redirects_anonymous_users_to_login()
    {
        using var client = factory.CreateBrowserClient();

        using var response = await client.GetAsync(Url("/projects"), Cancel);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login?ReturnUrl=%2Fprojects", Html.RedirectTarget(response));
    }

    [Fact]
    public async Task The_login_page_is_public_and_has_the_form_fields()
    {
        using var client = factory.CreateBrowserClient();

        using var response = await client.GetAsync(Url("/login"), Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var form = (await Html.ParseAsync(response)).QuerySelector("form[data-testid=login-form]")!;
        Assert.NotNull(form.QuerySelector("input[name=email]"));
        Assert.NotNull(form.QuerySelector("input[name=password][type=password]"));
        Assert.NotNull(form.QuerySelector($"input[name={WebForms.AntiforgeryField}]"));
    }

    [Fact]
    public async Task Login_with_a_wrong_password_shows_an_error()
    {
        var email = $"wrong-{Guid.NewGuid():N}@example.org";
        await factory.CreateUserAsync(email, Password, Roles.Annotator);
        using var client = factory.CreateBrowserClient();

        using var response = await WebForms.LoginAsync(client, email, "not-the-password");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await Html.ParseAsync(response);
        Assert.Equal("Wrong e-mail or password.", page.QuerySelector("[role=alert][data-kind=danger]")!.Text());
        using var projects = await client.GetAsync(Url("/projects"), Cancel);
        Assert.Equal(HttpStatusCode.Redirect, projects.StatusCode);
    }

    [Fact]
    public async Task Login_with_an_unknown_address_shows_the_same_error()
    {
        using var client = factory.CreateBrowserClient();

        using var response = await WebForms.LoginAsync(client, "nobody@example.org", Password);

        var page = await Html.ParseAsync(response);
        Assert.Equal("Wrong e-mail or password.", page.QuerySelector("[role=alert][data-kind=danger]")!.Text());
    }

    [Fact]
    public async Task Login_works_and_the_project_list_shows_projects()
    {
        var name = $"listed-{Guid.NewGuid():N}";
        await factory.Services.GetRequiredService<ProjectService>().CreateAsync(Caller.System, new ProjectInput(name, ProjectKind.Image, []), Cancel);
        var email = $"admin-{Guid.NewGuid():N}@example.org";
        await factory.CreateUserAsync(email, Password, Roles.Admin);
        using var client = factory.CreateBrowserClient();

        using var login = await WebForms.LoginAsync(client, email, Password);
        using var list = await client.GetAsync(Url("/projects"), Cancel);

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/projects", Html.RedirectTarget(login));
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var page = await Html.ParseAsync(list);
        // The list's rows load once the page is live (server-side paging); the prerender has the grid.
        Assert.NotNull(page.QuerySelector("[data-testid=project-table]"));
        Assert.Equal(email, page.QuerySelector("[data-testid=current-user]")!.Text());
        Assert.NotNull(page.QuerySelector("a[href='/projects/new']"));
    }

    [Fact]
    public async Task Login_returns_to_a_local_return_url_only()
    {
        var email = $"return-{Guid.NewGuid():N}@example.org";
        await factory.CreateUserAsync(email, Password, Roles.Admin);

        Assert.Equal("/admin", await LoginWithReturnUrlAsync(email, "/admin"));
        Assert.Equal("/", await LoginWithReturnUrlAsync(email, "//evil.example.org/"));
        Assert.Equal("/", await LoginWithReturnUrlAsync(email, "https://evil.example.org/"));
    }

    [Fact]
    public async Task Logout_ends_the_session()
    {
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Annotator);
        using (client)
        {
            var token = await WebForms.GetAntiforgeryTokenAsync(client, "/projects");
            using var form = new FormUrlEncodedContent(new Dictionary<string, string> { [WebForms.AntiforgeryField] = token });

            using var logout = await client.PostAsync(Url("/logout"), form, Cancel);
            using var after = await client.GetAsync(Url("/projects"), Cancel);

            Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
            Assert.Equal("/login", Html.RedirectTarget(logout));
            Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
            Assert.StartsWith("/login?", Html.RedirectTarget(after), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_root_redirects_to_the_project_list()
    {
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Annotator);
        using (client)
        {
            using var response = await client.GetAsync(Url("/"), Cancel);

            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/projects", Html.RedirectTarget(response));
        }
    }

    private async Task<string> LoginWithReturnUrlAsync(string email, string returnUrl)
    {
        using var client = factory.CreateBrowserClient();
        var path = "/login?ReturnUrl=" + Uri.EscapeDataString(returnUrl);
        var token = await WebForms.GetAntiforgeryTokenAsync(client, path);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = email,
            ["password"] = Password,
            ["_handler"] = "login",
            [WebForms.AntiforgeryField] = token,
        });
        using var response = await client.PostAsync(Url(path), form, Cancel);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return Html.RedirectTarget(response);
    }
}
