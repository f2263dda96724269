using System.Net;
using LabelLoop.Core.Accounts;
using LabelLoop.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Xunit;

namespace LabelLoop.Web.Tests.Accounts;

/// <summary>Logout needs the form's antiforgery token and ends the session on the server, not only in the browser.</summary>
public sealed class LogoutTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private const string Password = "Passw0rd-for-tests";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static Uri Url(string path) => new(path, UriKind.Relative);

    private static async Task<HttpResponseMessage> LogOutAsync(HttpClient client, string? antiforgeryToken)
    {
        var fields = new Dictionary<string, string>();
        if (antiforgeryToken is not null)
        {
            fields[WebForms.AntiforgeryField] = antiforgeryToken;
        }
        using var form = new FormUrlEncodedContent(fields);
        return await client.PostAsync(Url("/logout"), form, Cancel);
    }

    /// <summary>GET <paramref name="path"/> with nothing but <paramref name="cookie"/>, as someone who copied it would.</summary>
    private async Task<HttpResponseMessage> GetWithCookieAsync(string path, string cookie)
    {
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(path));
        request.Headers.Add("Cookie", cookie);
        return await client.SendAsync(request, Cancel);
    }

    [Fact]
    public async Task A_logout_without_the_antiforgery_token_is_refused_and_the_session_goes_on()
    {
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Annotator);
        using (client)
        {
            using var forged = await LogOutAsync(client, null);
            using var after = await client.GetAsync(Url("/projects"), Cancel);

            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
            Assert.Contains("antiforgery", await forged.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }
    }

    [Fact]
    public async Task A_copied_cookie_stops_working_at_logout_and_the_account_s_api_token_does_not()
    {
        var email = $"logout-{Guid.NewGuid():N}@example.org";
        var userId = await factory.CreateUserAsync(email, Password, Roles.Admin);
        using var api = await factory.CreateTokenClientAsync(userId);
        using var client = factory.CreateBrowserClient();
        using var login = await WebForms.LoginAsync(client, email, Password);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var cookie = string.Join("; ", login.Headers.GetValues("Set-Cookie")
            .Select(c => c.Split(';')[0])
            .Where(c => c.StartsWith("labelloop.auth", StringComparison.Ordinal)));
        Assert.NotEmpty(cookie);
        using var before = await GetWithCookieAsync("/admin", cookie);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        using var logout = await LogOutAsync(client, await WebForms.GetAntiforgeryTokenAsync(client, "/projects"));
        using var replayedPage = await GetWithCookieAsync("/admin", cookie);
        using var replayedApi = await GetWithCookieAsync("/api/v1/projects", cookie);
        using var tokenAfter = await api.GetAsync(Url("/api/v1/projects"), Cancel);

        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal("/login", Html.RedirectTarget(logout));
        Assert.Equal(HttpStatusCode.Redirect, replayedPage.StatusCode);
        Assert.StartsWith("/login?", Html.RedirectTarget(replayedPage), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, replayedApi.StatusCode);
        Assert.Equal(HttpStatusCode.OK, tokenAfter.StatusCode);

        // Signing in again gives a working session.
        using var again = await WebForms.LoginAsync(client, email, Password);
        using var page = await client.GetAsync(Url("/admin"), Cancel);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }
}
