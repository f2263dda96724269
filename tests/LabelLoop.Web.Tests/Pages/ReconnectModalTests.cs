using System.Net;
using System.Text.RegularExpressions;
using LabelLoop.Core.Accounts;
using LabelLoop.Testing;
using Xunit;

namespace LabelLoop.Web.Tests.Pages;

/// <summary>
/// Interactive pages carry the reconnecting dialog and its script (a same-site module file, no inline script); the
/// static login page, which has no circuit, carries neither.
/// </summary>
public sealed partial class ReconnectModalTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private const string Script = "Components/Layout/ReconnectModal.razor.js";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [GeneratedRegex("<script(?![^>]*\\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex("<script type=\"module\" src=\"Components/Layout/ReconnectModal\\.razor\\.js\"[^>]*></script>")]
    private static partial Regex ModuleScript();

    [Fact]
    public async Task Interactive_pages_carry_the_reconnecting_dialog_and_the_login_page_does_not()
    {
        var (admin, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using var anonymous = factory.CreateBrowserClient();

        var projects = await admin.GetStringAsync(new Uri("/projects", UriKind.Relative), Cancel);
        var login = await anonymous.GetStringAsync(new Uri("/login", UriKind.Relative), Cancel);
        using var script = await anonymous.GetAsync(new Uri("/" + Script, UriKind.Relative), Cancel);

        Assert.Contains("<dialog id=\"components-reconnect-modal\"", projects, StringComparison.Ordinal);
        Assert.Contains("Reconnecting...", projects, StringComparison.Ordinal);
        Assert.Contains("Connection lost", projects, StringComparison.Ordinal);
        Assert.Matches(ModuleScript(), projects);
        Assert.DoesNotMatch(InlineScript(), projects);
        Assert.DoesNotContain("components-reconnect-modal", login, StringComparison.Ordinal);
        Assert.DoesNotContain(Script, login, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Contains("components-reconnect-state-changed", await script.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }
}
