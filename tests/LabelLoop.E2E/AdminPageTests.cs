using LabelLoop.Core.Accounts;
using LabelLoop.Data.Accounts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit;

namespace LabelLoop.E2E;

/// <summary>The interactive admin page in a browser: refused to annotators, and an admin disables an account from it.</summary>
public sealed class AdminPageTests(E2EServer server) : IClassFixture<E2EServer>
{
    [Fact]
    public async Task An_annotator_is_refused_the_admin_page_and_an_admin_disables_a_user_from_it()
    {
        var (_, annotatorEmail) = await server.CreateUserAsync(Roles.Annotator);
        var (_, adminEmail) = await server.CreateUserAsync(Roles.Admin);
        var (victimId, victimEmail) = await server.CreateUserAsync(Roles.Annotator);

        var annotator = await server.LogInAsync(annotatorEmail);
        var refused = await annotator.GotoAsync("/admin");
        Assert.Equal(403, refused!.Status);
        await annotator.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await Assertions.Expect(annotator.Locator("main [data-status='403']")).ToBeVisibleAsync();
        await Assertions.Expect(annotator.Locator("[data-testid=user-table]")).ToHaveCountAsync(0);
        Assert.DoesNotContain(victimEmail, await annotator.ContentAsync(), StringComparison.Ordinal);
        await annotator.Context.CloseAsync();

        var admin = await server.LogInAsync(adminEmail);
        await admin.GotoAsync("/admin");
        var row = admin.Locator($"[data-testid=user-table] tr:has(td[data-user='{victimEmail}'])");
        await Assertions.Expect(row.Locator("[data-testid=user-state]")).ToContainTextAsync("active");
        // The buttons come alive with the page's circuit.
        await Assertions.Expect(row.Locator("[data-testid=disable-user]")).ToBeEnabledAsync();
        await row.Locator("[data-testid=disable-user]").ClickAsync();
        await admin.Locator(".mud-dialog button:has-text('Disable')").ClickAsync();

        await Assertions.Expect(row.Locator("[data-testid=user-state]")).ToContainTextAsync("disabled");
        await Assertions.Expect(admin.Locator(".mud-snackbar").First).ToContainTextAsync(victimEmail);
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var users = await scope.ServiceProvider.GetRequiredService<UserService>().ListAsync();
            Assert.True(users.Single(u => u.Id == victimId).IsDisabled);
        }
        await admin.Context.CloseAsync();

        // The refused page answers 403 on purpose; anything else the browser reported is an error.
        var errors = server.BrowserErrors.Where(e => !(e.Contains("/admin", StringComparison.Ordinal) && e.Contains("403", StringComparison.Ordinal))).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
