using System.Net;
using System.Net.Http.Headers;
using Bunit;
using Bunit.Rendering;
using LabelLoop.Core.Accounts;
using LabelLoop.Data.Accounts;
using LabelLoop.Testing;
using LabelLoop.Web.Components.Pages.Admin;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Xunit;

namespace LabelLoop.Web.Tests.Pages;

/// <summary>The interactive API token page on the real application: list, create (the secret shown once), revoke.</summary>
public sealed class ApiTokensPageTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static CancellationToken Cancel => Xunit.TestContext.Current.CancellationToken;

    private static Uri Url(string path) => new(path, UriKind.Relative);

    private ApiTokenService Tokens => factory.Services.GetRequiredService<ApiTokenService>();

    private static async Task SelectAsync(IRenderedComponent<ContainerFragment> page, string testId, string value)
    {
        var select = page.FindComponents<MudSelect<string>>().Single(s => Equals(s.Instance.UserAttributes.GetValueOrDefault("data-testid"), testId));
        await page.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(value));
    }

    private static async Task<HttpStatusCode> ApiStatusAsync(LabelLoopWebFactory factory, string secret)
    {
        using var api = factory.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using var response = await api.GetAsync(Url("/api/v1/projects"), Cancel);
        return response.StatusCode;
    }

    [Fact]
    public async Task Admins_see_every_token_create_one_for_a_user_once_and_revoke_it()
    {
        var adminId = await factory.CreateUserAsync($"admin-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", Roles.Admin);
        var email = $"holder-{Guid.NewGuid():N}@example.org";
        var holderId = await factory.CreateUserAsync(email, "Passw0rd-for-tests", Roles.Annotator);
        await Tokens.CreateAsync(Caller.System, holderId, "existing", [ApiScopes.Read], 5, Cancel);
        await using var context = AdminPageTests.NewContext(factory);
        var page = AdminPageTests.RenderPage<ApiTokens>(context, adminId, Roles.Admin);

        var row = page.WaitForElements("[data-testid=token-table] tbody tr").Single(r => r.TextContent.Contains(email, StringComparison.Ordinal));
        Assert.Contains("existing", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("read", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("never", row.TextContent, StringComparison.Ordinal);

        await SelectAsync(page, "token-user", holderId);
        await page.InvokeAsync(() => page.Find("[data-testid=token-name]").Change("from the page"));
        await SelectAsync(page, "token-scope", ApiScopes.Label);
        await page.InvokeAsync(() => page.Find("[data-testid=token-expires]").Change("30"));
        await page.InvokeAsync(() => page.Find("[data-testid=create-token]").Click());

        var secret = page.WaitForElement("[data-testid=new-token-secret]").TextContent.Trim();
        Assert.StartsWith(ApiTokenService.SecretPrefix, secret, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await ApiStatusAsync(factory, secret));
        var fresh = (await Tokens.ListAsync(Caller.System, holderId, Cancel)).Single(t => t.Name == "from the page");
        Assert.Equal([ApiScopes.Label], fresh.Scopes);
        Assert.NotNull(fresh.ExpiresUtc);
        var (admin, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (admin)
        {
            var again = await admin.GetStringAsync(Url("/admin/tokens"), Cancel);
            Assert.DoesNotContain(secret, again, StringComparison.Ordinal);
            Assert.Contains("from the page", again, StringComparison.Ordinal);
        }

        await page.InvokeAsync(() => page.Find($"[data-testid=token-table] tr:has(td[data-token-id='{fresh.Id}']) [data-testid=revoke-token]").Click());
        await AdminPageTests.ClickDialogButtonAsync(page, "Revoke");

        page.WaitForAssertion(() => Assert.Contains("revoked", page.Find($"[data-testid=token-table] tr:has(td[data-token-id='{fresh.Id}'])").TextContent, StringComparison.Ordinal));
        Assert.NotNull((await Tokens.GetAsync(Caller.System, fresh.Id, Cancel)).RevokedUtc);
        Assert.Equal(HttpStatusCode.Unauthorized, await ApiStatusAsync(factory, secret));
        Assert.Contains(context.Services.GetRequiredService<ISnackbar>().ShownSnackbars, s => (s.Message ?? "").StartsWith("Revoked from the page", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_input_is_reported_by_field_and_nothing_is_created()
    {
        var adminId = await factory.CreateUserAsync($"admin-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", Roles.Admin);
        await using var context = AdminPageTests.NewContext(factory);
        var page = AdminPageTests.RenderPage<ApiTokens>(context, adminId, Roles.Admin);

        page.WaitForElement("[data-testid=create-token]");
        await page.InvokeAsync(() => page.Find("[data-testid=create-token]").Click());

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=error-summary] li[data-field=name]")));
        Assert.Contains("A token needs a name", AdminPageTests.FieldOf(page, "token-name").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=new-token-secret]"));

        await page.InvokeAsync(() => page.Find("[data-testid=token-name]").Change("zero days"));
        await page.InvokeAsync(() => page.Find("[data-testid=token-expires]").Change("0"));
        await page.InvokeAsync(() => page.Find("[data-testid=create-token]").Click());
        page.WaitForAssertion(() => Assert.Contains("Expiry must be between", AdminPageTests.FieldOf(page, "token-expires").TextContent, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-testid=new-token-secret]"));
        Assert.Empty(await Tokens.ListAsync(Caller.System, adminId, Cancel));
    }

    [Fact]
    public async Task Only_admins_open_the_page_and_its_services_refuse_others()
    {
        var (annotator, annotatorId, _) = await factory.CreateLoggedInClientAsync(Roles.Annotator);
        var (admin, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using (annotator)
        using (admin)
        {
            using var refused = await annotator.GetAsync(Url("/admin/tokens"), Cancel);
            using var shown = await admin.GetAsync(Url("/admin/tokens"), Cancel);

            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
            Assert.NotNull((await Html.ParseAsync(shown)).QuerySelector("[data-testid=token-table]"));
        }
        await using var context = AdminPageTests.NewContext(factory);
        var page = AdminPageTests.RenderPage<ApiTokens>(context, annotatorId, Roles.Annotator);
        page.WaitForAssertion(() => Assert.Equal("403", page.Find("[data-status]").GetAttribute("data-status")));
        Assert.Empty(page.FindAll("[data-testid=token-table]"));
        await Assert.ThrowsAsync<LabelLoop.Core.AccessDeniedException>(() =>
            Tokens.ListAsync(new Caller(annotatorId, IsAdmin: false), "someone-else", Cancel));
    }
}
