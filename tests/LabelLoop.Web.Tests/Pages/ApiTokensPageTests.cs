using System.Net;
using System.Net.Http.Headers;
using LabelLoop.Core.Accounts;
using LabelLoop.Data.Accounts;
using LabelLoop.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Pages;

public sealed class ApiTokensPageTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static Uri Url(string path) => new(path, UriKind.Relative);

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string handler, Dictionary<string, string> fields)
    {
        fields["_handler"] = handler;
        fields[WebForms.AntiforgeryField] = await WebForms.GetAntiforgeryTokenAsync(client, "/admin/tokens");
        using var form = new FormUrlEncodedContent(fields);
        return await client.PostAsync(Url("/admin/tokens"), form, Cancel);
    }

    [Fact]
    public async Task Admins_see_every_token_create_one_for_a_user_once_and_revoke_it()
    {
        var (admin, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        var email = $"holder-{Guid.NewGuid():N}@example.org";
        var holderId = await factory.CreateUserAsync(email, "Passw0rd-for-tests", Roles.Annotator);
        await factory.Services.GetRequiredService<ApiTokenService>().CreateAsync(Caller.System, holderId, "existing", [ApiScopes.Read], 5, Cancel);

        var page = await Html.ParseAsync(await admin.GetAsync(Url("/admin/tokens"), Cancel));
        var row = page.QuerySelectorAll("table[data-testid=token-table] tbody tr").Single(r => r.Text().Contains(email, StringComparison.Ordinal));
        Assert.Contains("existing", row.Text(), StringComparison.Ordinal);
        Assert.Contains("read", row.Text(), StringComparison.Ordinal);
        Assert.Contains("never", row.Text(), StringComparison.Ordinal);

        using var created = await PostFormAsync(admin, "create-token", new()
        {
            ["tokenUser"] = holderId,
            ["tokenName"] = "from the page",
            ["tokenScope"] = ApiScopes.Label,
            ["tokenExpiresDays"] = "30",
        });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var secret = (await Html.ParseAsync(created)).QuerySelector("[data-testid=new-token-secret]")!.GetAttribute("value")!;
        Assert.StartsWith(ApiTokenService.SecretPrefix, secret, StringComparison.Ordinal);
        using (var api = factory.CreateClient())
        {
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            using var next = await api.GetAsync(Url("/api/v1/projects"), Cancel);
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        }
        var again = await admin.GetStringAsync(Url("/admin/tokens"), Cancel);
        Assert.DoesNotContain(secret, again, StringComparison.Ordinal);

        var tokens = await factory.Services.GetRequiredService<ApiTokenService>().ListAsync(Caller.System, holderId, Cancel);
        var fresh = tokens.Single(t => t.Name == "from the page");
        Assert.Equal([ApiScopes.Label], fresh.Scopes);
        Assert.NotNull(fresh.ExpiresUtc);
        using var revoked = await PostFormAsync(admin, $"revoke-{fresh.Id}", []);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        var after = await Html.ParseAsync(revoked);
        Assert.Contains("revoked", after.QuerySelector($"tr[data-token-id='{fresh.Id}']")!.Text(), StringComparison.Ordinal);
        using (var api = factory.CreateClient())
        {
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            using var refused = await api.GetAsync(Url("/api/v1/projects"), Cancel);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
    }

    [Fact]
    public async Task Bad_input_is_reported_and_nothing_is_created()
    {
        var (admin, adminId, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);

        using var response = await PostFormAsync(admin, "create-token", new()
        {
            ["tokenUser"] = adminId,
            ["tokenName"] = "",
            ["tokenScope"] = ApiScopes.Read,
            ["tokenExpiresDays"] = "0",
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await Html.ParseAsync(response);
        Assert.NotNull(page.QuerySelector("[data-testid=error-summary] li[data-field=name]"));
        Assert.Null(page.QuerySelector("[data-testid=new-token-secret]"));
        Assert.Empty(await factory.Services.GetRequiredService<ApiTokenService>().ListAsync(Caller.System, adminId, Cancel));
    }

    [Fact]
    public async Task Only_admins_open_the_page_and_forms_need_the_antiforgery_token()
    {
        var (annotator, _, _) = await factory.CreateLoggedInClientAsync(Roles.Annotator);
        var (admin, adminId, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);

        using var refused = await annotator.GetAsync(Url("/admin/tokens"), Cancel);
        using var forged = await admin.PostAsync(Url("/admin/tokens"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "create-token",
            ["tokenUser"] = adminId,
            ["tokenName"] = "forged",
            ["tokenScope"] = ApiScopes.Admin,
        }), Cancel);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Empty(await factory.Services.GetRequiredService<ApiTokenService>().ListAsync(Caller.System, adminId, Cancel));
    }
}
