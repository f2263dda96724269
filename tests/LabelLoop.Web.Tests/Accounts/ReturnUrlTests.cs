using System.Net;
using LabelLoop.Core.Accounts;
using LabelLoop.Testing;
using LabelLoop.Web.Accounts;
using Xunit;

namespace LabelLoop.Web.Tests.Accounts;

public sealed class ReturnUrlTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private const string Password = "Passw0rd-for-tests";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> ReturnUrls => new()
    {
        { "/projects/7/label?x=1", "/projects/7/label?x=1" },
        { "/admin%20tools", "/admin%20tools" },
        { "/\u3000/x", "/" },
        { "/caf\u00e9", "/" },
        { "/\t/evil.example.org", "/" },
        { "/\r\nSet-Cookie: x=1", "/" },
        { "/\\evil.example.org", "/" },
        { "/x\\..\\..\\evil", "/" },
        { "//evil.example.org", "/" },
        { "https://evil.example.org/", "/" },
        { "javascript:alert(1)", "/" },
        { "projects", "/" },
        { "/" + new string('a', 3000), "/" },
    };

    [Theory]
    [MemberData(nameof(ReturnUrls))]
    public async Task After_sign_in_the_browser_goes_to_a_clean_local_return_url_or_to_the_root(string returnUrl, string expected)
    {
        // A new account per case: each sign-in spends one of the account's attempts.
        var email = $"return-{Guid.NewGuid():N}@example.org";
        await factory.CreateUserAsync(email, Password, Roles.Annotator);
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

        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), form, Cancel);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(expected, Html.RedirectTarget(response));
    }

    [Fact]
    public void The_rule_refuses_every_url_that_is_not_a_plain_ascii_path_on_this_site()
    {
        Assert.True(LocalUrl.IsSafe("/"));
        Assert.True(LocalUrl.IsSafe("/projects?page=2#top"));
        Assert.False(LocalUrl.IsSafe(null));
        Assert.False(LocalUrl.IsSafe(""));
        Assert.False(LocalUrl.IsSafe("/\u3000/x"));
        Assert.False(LocalUrl.IsSafe("/a b"));
        Assert.False(LocalUrl.IsSafe("/\u007f"));
        Assert.False(LocalUrl.IsSafe("/\\host"));
        Assert.False(LocalUrl.IsSafe("//host"));
        Assert.Equal("/projects", LocalUrl.OrFallback(null, "/projects"));
        Assert.Equal("/", LocalUrl.OrFallback("http://x", "/projects"));
    }
}
