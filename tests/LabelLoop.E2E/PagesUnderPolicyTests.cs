using LabelLoop.Core.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Xunit;

namespace LabelLoop.E2E;

/// <summary>
/// Every page works under the Content-Security-Policy the server sends: no console error, no uncaught exception, no
/// blocked script or style, charts drawn, the workspace live over its circuit, Swagger UI rendered; and no page can be framed.
/// </summary>
public sealed class PagesUnderPolicyTests(E2EServer server) : IClassFixture<E2EServer>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task OpenAsync(IPage page, string path)
    {
        var response = await page.GotoAsync(path);
        Assert.NotNull(response);
        Assert.True(response.Ok, $"GET {path} answered {response.Status}.");
        Assert.Contains("frame-ancestors 'none'", await response.HeaderValueAsync("content-security-policy") ?? "", StringComparison.Ordinal);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
    }

    [Fact]
    public async Task Every_page_works_under_the_policy_for_an_annotator_and_an_admin()
    {
        var (annotatorId, annotatorEmail) = await server.CreateUserAsync(Roles.Annotator);
        var (_, adminEmail) = await server.CreateUserAsync(Roles.Admin);
        var project = await server.CreateImageProjectAsync(8, overlap: 1, annotatorId);
        long itemId;
        await using (var db = server.Database.CreateContext())
        {
            itemId = await db.Items.Where(i => i.ProjectId == project).OrderBy(i => i.Id).Select(i => i.Id).FirstAsync(Cancel);
        }

        // The workspace: the image loads from the API with the cookie, keys go over the circuit and show the next item.
        var annotator = await server.LogInAsync(annotatorEmail);
        await OpenAsync(annotator, $"/projects/{project}/label");
        await Assertions.Expect(annotator.Locator("[data-testid=item-image]")).ToBeVisibleAsync();
        for (var i = 0; i < 3; i++)
        {
            var before = await annotator.Locator("#workspace-item").GetAttributeAsync("data-item-id");
            await annotator.Keyboard.PressAsync("1");
            await annotator.WaitForFunctionAsync(
                "before => { const c = document.getElementById('workspace-item'); return c && c.getAttribute('data-item-id') !== before; }",
                before);
        }
        await annotator.Keyboard.PressAsync("?");
        await Assertions.Expect(annotator.Locator("[data-testid=keys-help]")).ToBeVisibleAsync();

        var admin = await server.LogInAsync(adminEmail);
        foreach (var path in new[]
        {
            "/projects", "/projects/new", $"/projects/{project}", $"/projects/{project}/edit", $"/projects/{project}/review",
            $"/projects/{project}/items/{itemId}", $"/projects/{project}/dashboard/model", $"/projects/{project}/dashboard/annotators",
            $"/projects/{project}/dashboard/jobs", $"/projects/{project}/dashboard/settings", $"/projects/{project}/dashboard/simulation",
            "/admin", "/admin/tokens",
        })
        {
            await OpenAsync(admin, path);
        }
        // Chart.js draws every chart of the overview (js/charts.js marks each canvas it drew).
        await OpenAsync(admin, $"/projects/{project}/dashboard");
        var charts = admin.Locator("canvas[data-chart]");
        Assert.True(await charts.CountAsync() > 0);
        await Assertions.Expect(admin.Locator("canvas[data-chart]:not([data-drawn='1'])")).ToHaveCountAsync(0);
        // Swagger UI renders the document under its own policy.
        await OpenAsync(admin, "/api/docs");
        await Assertions.Expect(admin.Locator(".swagger-ui .info .title")).ToBeVisibleAsync();
        // Logging out from the navigation bar posts the form with its antiforgery token.
        await OpenAsync(admin, "/projects");
        await admin.ClickAsync("form[action='/logout'] button[type=submit]");
        await admin.WaitForURLAsync("**/login");
        await annotator.Context.CloseAsync();
        await admin.Context.CloseAsync();

        Assert.True(server.BrowserErrors.IsEmpty, string.Join("\n", server.BrowserErrors));
    }

    [Fact]
    public async Task A_signed_in_page_refuses_to_render_inside_a_frame()
    {
        var (_, adminEmail) = await server.CreateUserAsync(Roles.Admin);
        var page = await server.LogInAsync(adminEmail);
        await OpenAsync(page, "/admin");
        var refused = page.WaitForConsoleMessageAsync(new PageWaitForConsoleMessageOptions
        {
            Predicate = m => m.Text.Contains("frame-ancestors", StringComparison.Ordinal) || m.Text.Contains("X-Frame-Options", StringComparison.Ordinal),
        });

        // A page of this very origin frames /admin: even same-origin framing is refused.
        await page.EvaluateAsync("src => { const f = document.createElement('iframe'); f.src = src; f.id = 'framed'; document.body.appendChild(f); }", "/admin");
        await refused;

        var frame = page.Frames.Single(f => f != page.MainFrame);
        Assert.DoesNotContain("user-table", await SafeContentAsync(frame), StringComparison.Ordinal);
        await page.Context.CloseAsync();
        // The refusal is the point of this test, not an error of the page.
        while (server.BrowserErrors.TryDequeue(out _))
        {
        }
    }

    private static async Task<string> SafeContentAsync(IFrame frame)
    {
        try
        {
            return await frame.ContentAsync();
        }
        catch (PlaywrightException)
        {
            return "";
        }
    }
}
