using System.Net;
using LabelLoop.Testing;
using Xunit;

namespace LabelLoop.Web.Tests.Pages;

/// <summary>
/// The login form, the one page form left that posts over HTTP (the others run in the circuit), posted with one of its
/// fields left out (a hand-made client, an older page, a script): a 400 naming it, never a 500 or a sign-in.
/// </summary>
public sealed class AbsentFieldTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

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
}
