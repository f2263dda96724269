using System.Net;
using System.Reflection;
using AngleSharp.Dom;
using Bunit;
using Bunit.Rendering;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Accounts;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using LabelLoop.Web.Accounts;
using LabelLoop.Web.Components.Pages.Admin;
using LabelLoop.Web.Tests.Components;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;
using Xunit;

namespace LabelLoop.Web.Tests.Pages;

/// <summary>
/// The interactive admin page on the real application and database: an admin manages accounts and project members
/// through its buttons and dialogs; everyone else is refused by the page and by the services.
/// </summary>
public sealed class AdminPageTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private const string Password = "Passw0rd-for-tests";

    private static CancellationToken Cancel => Xunit.TestContext.Current.CancellationToken;

    private static Uri Url(string path) => new(path, UriKind.Relative);

    /// <summary>
    /// A bUnit context on the real application. The pages open a scope of their own for account services (scoped in
    /// the application, on Identity's context); bUnit's scopes do not reach the application's, so each of them is
    /// given one. The pages render as they do in a circuit (interactive).
    /// </summary>
    internal static MudBunitContext NewContext(LabelLoopWebFactory factory)
    {
        var context = new MudBunitContext(factory.Services);
        context.Services.AddScoped(_ => new ApplicationScope(factory.Services.CreateAsyncScope()));
        context.Services.AddScoped(s => s.GetRequiredService<ApplicationScope>().Services.GetRequiredService<UserService>());
        context.Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        // The machine running the tests may be busy with other test classes: give renders time.
        BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(20);
        return context;
    }

    /// <summary>The page inside the providers the layout gives it (dialogs, popovers), as <paramref name="role"/>.</summary>
    internal static IRenderedComponent<ContainerFragment> RenderPage<TPage>(MudBunitContext context, string userId, string role) where TPage : IComponent
    {
        context.SignIn(userId, role);
        return context.Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<TPage>(2);
            builder.CloseComponent();
        });
    }

    // Fills the add-user dialog's e-mail and password and saves, each in one renderer turn.
    private static async Task SaveNewUserAsync(IRenderedComponent<ContainerFragment> page, string email, string password)
    {
        await page.InvokeAsync(() => page.Find("[data-testid=new-email]").Change(email));
        await page.InvokeAsync(() => page.Find("[data-testid=new-password-field]").Change(password));
        await page.InvokeAsync(() => page.Find("[data-testid=save-user]").Click());
    }

    /// <summary>Clicks the button of the open dialog whose text is <paramref name="text"/>.</summary>
    internal static async Task ClickDialogButtonAsync(IRenderedComponent<ContainerFragment> page, string text)
    {
        page.WaitForAssertion(() => Assert.Contains(page.FindAll(".mud-dialog button"), b => b.TextContent.Trim() == text));
        // The dialog may render again (its opening transition) between finding the button and clicking it; a click
        // on a stale handler reaches nothing, so find the button again and retry.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await page.InvokeAsync(() => page.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == text).Click());
                return;
            }
            catch (UnknownEventHandlerIdException) when (attempt < 5)
            {
                await Task.Delay(50, Xunit.TestContext.Current.CancellationToken);
            }
        }
    }

    /// <summary>The whole MudBlazor field (label, input, helper or error text) around the input <paramref name="testId"/>.</summary>
    internal static IElement FieldOf(IRenderedComponent<ContainerFragment> page, string testId) =>
        page.Find($"[data-testid={testId}]").Closest(".mud-input-control")!;

    private static IElement UserRow(IRenderedComponent<ContainerFragment> page, string email) =>
        page.Find($"[data-testid=user-table] tr:has(td[data-user='{email}'])");

    private async Task<string> NewUserAsync(string prefix, string role = Roles.Annotator)
    {
        var email = $"{prefix}-{Guid.NewGuid():N}@example.org";
        await factory.CreateUserAsync(email, Password, role);
        return email;
    }

    private async Task<HttpResponseMessage> LogInAsync(string email, string password)
    {
        using var client = factory.CreateBrowserClient();
        return await WebForms.LoginAsync(client, email, password);
    }

    [Fact]
    public async Task An_admin_adds_a_user_in_the_dialog_and_the_user_signs_in()
    {
        var adminId = await factory.CreateUserAsync($"admin-{Guid.NewGuid():N}@example.org", Password, Roles.Admin);
        var email = $"new-{Guid.NewGuid():N}@example.org";
        await using var context = NewContext(factory);
        var page = RenderPage<AdminHome>(context, adminId, Roles.Admin);

        page.WaitForElement("[data-testid=add-user]");
        await page.InvokeAsync(() => page.Find("[data-testid=add-user]").Click());
        page.WaitForElement("[data-testid=new-email]");
        await page.InvokeAsync(() => page.Find("[data-testid=new-email]").Change(email));
        await page.InvokeAsync(() => page.Find("[data-testid=new-password-field]").Change(Password));
        await page.InvokeAsync(() => page.FindComponents<MudSelect<string>>()
            .Single(s => Equals(s.Instance.UserAttributes.GetValueOrDefault("data-testid"), "new-role")).Instance.ValueChanged.InvokeAsync(Roles.Reviewer));
        await page.InvokeAsync(() => page.Find("[data-testid=save-user]").Click());

        page.WaitForAssertion(() => Assert.Contains(Roles.Reviewer, UserRow(page, email).TextContent, StringComparison.Ordinal));
        Assert.Empty(page.FindAll(".mud-dialog"));
        Assert.Contains(context.Services.GetRequiredService<ISnackbar>().ShownSnackbars, s => (s.Message ?? "").Contains(email, StringComparison.Ordinal));
        using var login = await LogInAsync(email, Password);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
    }

    [Fact]
    public async Task The_add_user_dialog_shows_validation_messages_by_field_and_creates_nothing()
    {
        var adminId = await factory.CreateUserAsync($"admin-{Guid.NewGuid():N}@example.org", Password, Roles.Admin);
        var existing = await NewUserAsync("taken");
        await using var context = NewContext(factory);
        var page = RenderPage<AdminHome>(context, adminId, Roles.Admin);

        page.WaitForElement("[data-testid=add-user]");
        await page.InvokeAsync(() => page.Find("[data-testid=add-user]").Click());
        page.WaitForElement("[data-testid=new-email]");
        await SaveNewUserAsync(page, "not-an-address", Password);
        page.WaitForAssertion(() => Assert.Contains("is not an e-mail address", FieldOf(page, "new-email").TextContent, StringComparison.Ordinal));

        await SaveNewUserAsync(page, $"short-{Guid.NewGuid():N}@example.org", "short");
        page.WaitForAssertion(() => Assert.Contains("mud-input-error", FieldOf(page, "new-password-field").InnerHtml, StringComparison.Ordinal));
        Assert.DoesNotContain("mud-input-error", FieldOf(page, "new-email").InnerHtml, StringComparison.Ordinal);

        await SaveNewUserAsync(page, existing, Password);
        page.WaitForAssertion(() => Assert.Contains("mud-input-error", FieldOf(page, "new-email").InnerHtml, StringComparison.Ordinal));
        Assert.Single(page.FindAll(".mud-dialog"));
        await using var scope = factory.Services.CreateAsyncScope();
        var users = await scope.ServiceProvider.GetRequiredService<UserService>().ListAsync();
        Assert.DoesNotContain(users, u => u.Email.StartsWith("short-", StringComparison.Ordinal) || u.Email == "not-an-address");
    }

    [Fact]
    public async Task An_admin_disables_an_account_after_confirming_and_it_can_no_longer_sign_in_then_enables_it()
    {
        var adminId = await factory.CreateUserAsync($"admin-{Guid.NewGuid():N}@example.org", Password, Roles.Admin);
        var email = await NewUserAsync("victim");
        await using var context = NewContext(factory);
        var page = RenderPage<AdminHome>(context, adminId, Roles.Admin);
        page.WaitForAssertion(() => Assert.Equal("active", UserRow(page, email).QuerySelector("[data-testid=user-state]")!.TextContent.Trim()));

        await page.InvokeAsync(() => UserRow(page, email).QuerySelector("[data-testid=disable-user]")!.Click());
        await ClickDialogButtonAsync(page, "Cancel");
        Assert.Equal("active", UserRow(page, email).QuerySelector("[data-testid=user-state]")!.TextContent.Trim());
        await page.InvokeAsync(() => UserRow(page, email).QuerySelector("[data-testid=disable-user]")!.Click());
        await ClickDialogButtonAsync(page, "Disable");

        page.WaitForAssertion(() => Assert.Equal("disabled", UserRow(page, email).QuerySelector("[data-testid=user-state]")!.TextContent.Trim()));
        using (var login = await LogInAsync(email, Password))
        {
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            Assert.Contains("Wrong e-mail or password", (await Html.ParseAsync(login)).QuerySelector("[role=alert]")!.Text(), StringComparison.Ordinal);
        }

        await page.InvokeAsync(() => UserRow(page, email).QuerySelector("[data-testid=enable-user]")!.Click());
        page.WaitForAssertion(() => Assert.Equal("active", UserRow(page, email).QuerySelector("[data-testid=user-state]")!.TextContent.Trim()));
        using var again = await LogInAsync(email, Password);
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
    }

    [Fact]
    public async Task An_admin_changes_a_role_but_not_their_own()
    {
        var adminId = await factory.CreateUserAsync($"admin-{Guid.NewGuid():N}@example.org", Password, Roles.Admin);
        var email = await NewUserAsync("promoted");
        await using var context = NewContext(factory);
        var page = RenderPage<AdminHome>(context, adminId, Roles.Admin);
        page.WaitForElement("[data-testid=user-table]");

        var select = page.FindComponents<MudSelect<string>>().Single(s => Equals(s.Instance.UserAttributes.GetValueOrDefault("aria-label"), $"Role of {email}"));
        await page.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(Roles.Reviewer));

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = await scope.ServiceProvider.GetRequiredService<UserService>().ListAsync();
            Assert.Equal(Roles.Reviewer, users.Single(u => u.Email == email).Role);
        }
        Assert.Contains(context.Services.GetRequiredService<ISnackbar>().ShownSnackbars, s => s.Message == $"{email} is now {Roles.Reviewer}.");
        Assert.Single(page.FindComponents<MudSelect<string>>(), s => s.Instance.Disabled);
    }

    [Fact]
    public async Task A_password_reset_is_shown_once_and_the_new_password_signs_in()
    {
        var adminId = await factory.CreateUserAsync($"admin-{Guid.NewGuid():N}@example.org", Password, Roles.Admin);
        var email = await NewUserAsync("forgetful");
        string password;
        await using (var context = NewContext(factory))
        {
            var page = RenderPage<AdminHome>(context, adminId, Roles.Admin);
            page.WaitForAssertion(() => Assert.NotNull(UserRow(page, email)));
            await page.InvokeAsync(() => UserRow(page, email).QuerySelector("[data-testid=reset-password]")!.Click());
            await ClickDialogButtonAsync(page, "Reset password");
            password = page.WaitForElement("[data-testid=password-value]").TextContent;
            Assert.Contains(email, page.Find("[data-testid=new-password]").TextContent, StringComparison.Ordinal);
        }
        await using (var context = NewContext(factory))
        {
            var page = RenderPage<AdminHome>(context, adminId, Roles.Admin);
            page.WaitForElement("[data-testid=user-table]");
            Assert.Empty(page.FindAll("[data-testid=password-value]"));
        }

        using var old = await LogInAsync(email, Password);
        using var login = await LogInAsync(email, password);
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
    }

    [Fact]
    public async Task An_admin_adds_and_removes_a_project_member_and_sees_health_and_links()
    {
        var adminId = await factory.CreateUserAsync($"admin-{Guid.NewGuid():N}@example.org", Password, Roles.Admin);
        var project = await factory.Services.GetRequiredService<ProjectService>().CreateAsync(Caller.System,
            new ProjectInput($"members-{Guid.NewGuid():N}", ProjectKind.Text, [new LabelSpec("a"), new LabelSpec("b")]), Cancel);
        var email = await NewUserAsync("member");
        await using var context = NewContext(factory);
        var page = RenderPage<AdminHome>(context, adminId, Roles.Admin);
        IElement Row() => page.Find($"[data-testid=member-table] tr[data-project='{project}']");

        page.WaitForAssertion(() => Assert.NotNull(Row()));
        await page.InvokeAsync(() => Row().QuerySelector("[data-testid=add-member]")!.Click());
        page.WaitForAssertion(() => Assert.Contains("mud-input-error", Row().QuerySelector("[data-testid=member-email]")!.Closest(".mud-input-control")!.OuterHtml, StringComparison.Ordinal));
        await page.InvokeAsync(() => Row().QuerySelector("[data-testid=member-email]")!.Change("nobody@example.org"));
        await page.InvokeAsync(() => Row().QuerySelector("[data-testid=add-member]")!.Click());
        page.WaitForAssertion(() => Assert.Contains("No account has the e-mail 'nobody@example.org'", Row().TextContent, StringComparison.Ordinal));
        await page.InvokeAsync(() => Row().QuerySelector("[data-testid=member-email]")!.Change(email));
        await page.InvokeAsync(() => Row().QuerySelector("[data-testid=add-member]")!.Click());

        page.WaitForAssertion(() => Assert.NotNull(Row().QuerySelector($"[data-member='{email}']")));
        var members = await factory.Services.GetRequiredService<ProjectService>().ListAllMembersAsync(Caller.System, Cancel);
        Assert.Contains(members, m => m.ProjectId == project && m.Email == email);
        await page.InvokeAsync(() => Row().QuerySelector($"[data-member='{email}'] button")!.Click());
        page.WaitForAssertion(() => Assert.Null(Row().QuerySelector($"[data-member='{email}']")));

        Assert.Equal("/admin/tokens", page.Find("[data-testid=tokens-link]").GetAttribute("href"));
        Assert.Equal("/admin/jobs", page.Find("[data-testid=jobs-dashboard-link]").GetAttribute("href"));
        Assert.Equal("true", page.Find("[data-testid=health-database]").GetAttribute("data-ok"));
        Assert.NotNull(page.Find("[data-testid=health-scheduler]"));
        Assert.NotNull(page.Find("[data-testid=health-engine]"));
    }

    [Fact]
    public async Task A_non_admin_gets_the_access_denied_rendering_and_the_services_refuse()
    {
        var annotatorId = await factory.CreateUserAsync($"annotator-{Guid.NewGuid():N}@example.org", Password, Roles.Annotator);
        var victimEmail = await NewUserAsync("target");
        string victimId;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            victimId = (await scope.ServiceProvider.GetRequiredService<UserService>().FindByEmailAsync(victimEmail))!.Id;
        }
        await using var context = NewContext(factory);

        var page = RenderPage<AdminHome>(context, annotatorId, Roles.Annotator);

        page.WaitForAssertion(() => Assert.Equal("403", page.Find("[data-status]").GetAttribute("data-status")));
        Assert.Empty(page.FindAll("[data-testid=user-table]"));
        Assert.DoesNotContain(victimEmail, page.Markup, StringComparison.Ordinal);
        var annotator = new Caller(annotatorId, IsAdmin: false);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserService>();
            await Assert.ThrowsAsync<AccessDeniedException>(() => users.DisableAsync(annotator, victimId));
            await Assert.ThrowsAsync<AccessDeniedException>(() => users.ResetPasswordAsync(annotator, victimId));
            await Assert.ThrowsAsync<AccessDeniedException>(() => users.SetRoleAsync(annotator, annotatorId, Roles.Admin));
        }
        await Assert.ThrowsAsync<AccessDeniedException>(() => factory.Services.GetRequiredService<ApiTokenService>().CreateAsync(annotator, victimId, "stolen", [ApiScopes.Read], null, Cancel));
        using var login = await LogInAsync(victimEmail, Password);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
    }

    [Fact]
    public async Task Annotators_get_403_on_the_admin_pages_over_http()
    {
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Annotator);
        using (client)
        {
            foreach (var path in new[] { "/admin", "/admin/tokens" })
            {
                using var response = await client.GetAsync(Url(path), Cancel);
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                var html = await Html.ParseAsync(response);
                Assert.NotNull(html.QuerySelector("[data-status='403']"));
                Assert.Null(html.QuerySelector("[data-testid=user-table]"));
                Assert.Null(html.QuerySelector("[data-testid=token-table]"));
            }
        }
    }

    [Fact]
    public async Task The_admin_page_is_prerendered_with_its_users_and_health()
    {
        var email = await NewUserAsync("listed");
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (client)
        {
            using var response = await client.GetAsync(Url("/admin"), Cancel);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var html = await Html.ParseAsync(response);
            Assert.NotNull(html.QuerySelector($"[data-testid=user-table] td[data-user='{email}']"));
            Assert.Equal("true", html.QuerySelector("[data-testid=health-database]")!.GetAttribute("data-ok"));
            Assert.Null(html.QuerySelector("form[method=post] input[name=newEmail]"));
        }
    }

    [Fact]
    public async Task A_disabled_accounts_circuit_loses_access_at_its_next_check()
    {
        var email = await NewUserAsync("circuit");
        var adminId = await factory.CreateUserAsync($"admin-{Guid.NewGuid():N}@example.org", Password, Roles.Admin);
        AuthenticationState state;
        string userId;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var signIns = scope.ServiceProvider.GetRequiredService<SignInManager<LabelLoopUser>>();
            var user = (await signIns.UserManager.FindByEmailAsync(email))!;
            userId = user.Id;
            state = new AuthenticationState(await signIns.CreateUserPrincipalAsync(user));
        }
        using var provider = new RevalidatingCircuitAuthenticationStateProvider(NullLoggerFactory.Instance, factory.Services.GetRequiredService<IServiceScopeFactory>());

        var before = await ValidateAsync(provider, state);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UserService>().DisableAsync(new Caller(adminId, IsAdmin: true), userId);
        }
        var after = await ValidateAsync(provider, state);

        Assert.True(before);
        Assert.False(after);
        Assert.True(await ValidateAsync(provider, new AuthenticationState(new System.Security.Claims.ClaimsPrincipal())));
    }

    private static Task<bool> ValidateAsync(RevalidatingCircuitAuthenticationStateProvider provider, AuthenticationState state) =>
        (Task<bool>)typeof(RevalidatingCircuitAuthenticationStateProvider)
            .GetMethod("ValidateAuthenticationStateAsync", BindingFlags.Instance | BindingFlags.NonPublic)!
            .Invoke(provider, [state, Cancel])!;

    private sealed class ApplicationScope(AsyncServiceScope scope) : IAsyncDisposable
    {
        public IServiceProvider Services => scope.ServiceProvider;

        public ValueTask DisposeAsync() => scope.DisposeAsync();
    }
}
