using System.Text.RegularExpressions;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Data.Annotations;
using LabelLoop.Data.Items;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit;

namespace LabelLoop.E2E;

/// <summary>
/// The interactive dashboard in a real browser: after some labels its charts are drawn, tabs switch inside the
/// circuit with the URL following, new labels show up on the open overview without a reload, and nothing is
/// logged as an error.
/// </summary>
public sealed class DashboardTests(E2EServer server) : IClassFixture<E2EServer>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    // Labels items as the workspace does: the queue serves them, then each is answered.
    private async Task LabelAsync(int project, string annotatorId, int count)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var caller = new Caller(annotatorId, IsAdmin: false);
        var served = await scope.ServiceProvider.GetRequiredService<ItemLeaseService>().NextAsync(caller, project, count, Cancel);
        Assert.Equal(count, served.Count);
        var annotations = scope.ServiceProvider.GetRequiredService<AnnotationService>();
        foreach (var item in served)
        {
            await annotations.SubmitAsync(caller, project, new SubmitAnnotation(item.ItemId, "a", LeadTimeSeconds: 2), Cancel);
        }
    }

    /// <summary>
    /// Clicks a tab once, then waits until the address bar shows the tab's URL and the tab strip marks it current. The
    /// wait polls the page's URL rather than waiting for a navigation event: the switch is a same-document navigation
    /// and, on a loaded machine, a wait for its event has missed one the page had already made.
    /// </summary>
    private static async Task ClickTabAsync(IPage page, string tab, string key, string path)
    {
        await page.Locator("[data-testid=dashboard-tabs] .mud-tab", new() { HasText = tab }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(path) + "$"), new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("[data-testid=dashboard-tabs]")).ToHaveAttributeAsync("data-tab", key);
    }

    [Fact]
    public async Task The_dashboard_draws_its_charts_after_some_labels_switches_tabs_and_follows_new_labels()
    {
        var (annotatorId, _) = await server.CreateUserAsync(Roles.Annotator);
        var (_, adminEmail) = await server.CreateUserAsync(Roles.Admin);
        var project = await server.CreateImageProjectAsync(8, overlap: 1, annotatorId);
        await LabelAsync(project, annotatorId, 3);

        var admin = await server.LogInAsync(adminEmail);
        await admin.GotoAsync($"/projects/{project}/dashboard");
        await admin.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await Assertions.Expect(admin.Locator("[data-state=labeled]")).ToHaveTextAsync("3");
        await Assertions.Expect(admin.Locator("#chart-states svg path").First).ToBeVisibleAsync();
        foreach (var chart in new[] { "chart-distribution", "chart-per-day" })
        {
            await Assertions.Expect(admin.Locator($"canvas#{chart}[data-drawn='1']")).ToHaveCountAsync(1);
        }

        // A tab switches inside the circuit and the URL follows it; the overview draws its charts again on return.
        await ClickTabAsync(admin, "Model", "model", $"/projects/{project}/dashboard/model");
        await Assertions.Expect(admin.Locator("[data-testid=empty-curve]")).ToBeVisibleAsync();
        await ClickTabAsync(admin, "Overview", "overview", $"/projects/{project}/dashboard");
        await Assertions.Expect(admin.Locator("canvas[data-chart]:not([data-drawn='1'])")).ToHaveCountAsync(0);
        await Assertions.Expect(admin.Locator("canvas#chart-distribution[data-drawn='1']")).ToHaveCountAsync(1);
        await Assertions.Expect(admin.Locator("#chart-states svg path").First).ToBeVisibleAsync();

        // Labels given meanwhile show up without a reload.
        await LabelAsync(project, annotatorId, 2);
        await Assertions.Expect(admin.Locator("[data-state=labeled]")).ToHaveTextAsync("5", new() { Timeout = 20_000 });
        await Assertions.Expect(admin.Locator("canvas[data-chart]:not([data-drawn='1'])")).ToHaveCountAsync(0);
        await admin.Context.CloseAsync();

        Assert.True(server.BrowserErrors.IsEmpty, string.Join("\n", server.BrowserErrors));
    }
}
