using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Xunit;

namespace LabelLoop.E2E;

public sealed class WorkspaceTests(E2EServer server) : IClassFixture<E2EServer>
{
    private static async Task<string> CurrentItemAsync(IPage page)
    {
        var card = page.Locator("#workspace-item");
        return await card.GetAttributeAsync("data-item-id") ?? "";
    }

    /// <summary>Presses a key and waits until the card shows a different item than <paramref name="before"/>.</summary>
    private static async Task<string> PressAndWaitAsync(IPage page, string key, string before)
    {
        await page.Keyboard.PressAsync(key);
        await page.WaitForFunctionAsync(
            "before => { const c = document.getElementById('workspace-item'); return c && c.getAttribute('data-item-id') !== before; }",
            before);
        return await CurrentItemAsync(page);
    }

    /// <summary>Opens the workspace and waits until its keys reach the server (the page is live over its circuit).</summary>
    private static async Task OpenWorkspaceAsync(IPage page, int project)
    {
        await page.GotoAsync($"/projects/{project}/label");
        await Assertions.Expect(page.Locator("[data-testid=item-image]")).ToBeVisibleAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await page.Keyboard.PressAsync("?");
        await Assertions.Expect(page.Locator("[data-testid=keys-help]")).ToBeVisibleAsync();
    }

    private Task<List<Annotation>> AnswersAsync(int project, int expected) => AnswersAsync(project, a => a.Count >= expected);

    /// <summary>The project's answers in order, once <paramref name="done"/> holds for them (answers are stored in the background) or after 30 seconds.</summary>
    private async Task<List<Annotation>> AnswersAsync(int project, Func<List<Annotation>, bool> done)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await using var db = server.Database.CreateContext();
            var answers = await db.Annotations.AsNoTracking().Where(a => a.ProjectId == project).OrderBy(a => a.Id).ToListAsync(TestContext.Current.CancellationToken);
            if (done(answers) || waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                return answers;
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Fifteen_number_keys_pressed_without_waiting_store_fifteen_labels_on_fifteen_items()
    {
        var (userId, email) = await server.CreateUserAsync(Roles.Annotator);
        var project = await server.CreateImageProjectAsync(30, overlap: 1, userId);
        var page = await server.LogInAsync(email);
        await OpenWorkspaceAsync(page, project);

        for (var i = 0; i < 15; i++)
        {
            await page.Keyboard.PressAsync(((i % 3) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var answers = await AnswersAsync(project, 15);
        Assert.Equal(15, answers.Count);
        Assert.Equal(15, answers.Select(a => a.ItemId).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 15).Select(i => ((char)('a' + (i % 3))).ToString()), answers.Select(a => a.Label));
        await Assertions.Expect(page.Locator("#workspace-item")).Not.ToHaveAttributeAsync("data-item-id", answers[^1].ItemId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Keys_pressed_the_moment_the_page_shows_before_it_is_live_are_kept()
    {
        var (userId, email) = await server.CreateUserAsync(Roles.Annotator);
        var project = await server.CreateImageProjectAsync(10, overlap: 1, userId);
        var page = await server.LogInAsync(email);
        await page.GotoAsync($"/projects/{project}/label", new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        var first = await CurrentItemAsync(page);

        // No waiting for the circuit: the prerendered card is on screen, so the annotator starts.
        foreach (var key in new[] { "1", "2", "3" })
        {
            await page.Keyboard.PressAsync(key);
        }

        var answers = await AnswersAsync(project, 3);
        Assert.Equal(["a", "b", "c"], answers.Select(a => a.Label));
        Assert.Equal(first, answers[0].ItemId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(3, answers.Select(a => a.ItemId).Distinct().Count());
    }

    [Fact]
    public async Task A_dropped_connection_loses_no_key_and_labeling_goes_on_with_the_same_item()
    {
        var (userId, email) = await server.CreateUserAsync(Roles.Annotator);
        var project = await server.CreateImageProjectAsync(20, overlap: 1, userId);
        var page = await server.LogInAsync(email);
        await OpenWorkspaceAsync(page, project);
        var current = await CurrentItemAsync(page);
        current = await PressAndWaitAsync(page, "1", current);
        current = await PressAndWaitAsync(page, "2", current);

        // The circuit's connection drops and stays down (its reconnection held back) until released: the page says
        // it is reconnecting, and keys pressed meanwhile wait in the page and go once it is back.
        var reconnecting = page.Locator("#components-reconnect-modal [data-testid=reconnecting]");
        await Assertions.Expect(reconnecting).ToBeHiddenAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync("**/_blazor/negotiate**", async route =>
        {
            await release.Task;
            await route.ContinueAsync();
        });
        await page.EvaluateAsync("() => Blazor._internal.forceCloseConnection()");
        await Assertions.Expect(reconnecting).ToBeVisibleAsync();
        await Assertions.Expect(reconnecting).ToContainTextAsync("Reconnecting...");
        await page.Keyboard.PressAsync("3");
        await page.Keyboard.PressAsync("1");
        release.SetResult();
        await PressAndWaitAsync(page, "2", current);
        await Assertions.Expect(page.Locator("#components-reconnect-modal")).ToBeHiddenAsync();
        await page.UnrouteAllAsync();

        var answers = await AnswersAsync(project, 5);
        Assert.Equal(5, answers.Count);
        Assert.Equal(5, answers.Select(a => a.ItemId).Distinct().Count());
        Assert.Equal(["a", "b", "c", "a", "b"], answers.Select(a => a.Label));
        var shown = await CurrentItemAsync(page);
        Assert.DoesNotContain(shown, answers.Select(a => a.ItemId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#workspace-item")).ToHaveAttributeAsync("data-item-id", shown);
    }

    [Fact]
    public async Task An_annotator_labels_twenty_items_with_the_keyboard_undoes_one_and_skips_it()
    {
        var (userId, email) = await server.CreateUserAsync(Roles.Annotator);
        var project = await server.CreateImageProjectAsync(30, overlap: 1, userId);
        var page = await server.LogInAsync(email);
        await OpenWorkspaceAsync(page, project);

        var seen = new List<string>();
        var current = await CurrentItemAsync(page);
        for (var i = 0; i < 20; i++)
        {
            seen.Add(current);
            current = await PressAndWaitAsync(page, ((i % 3) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), current);
        }
        var undone = await PressAndWaitAsync(page, "u", current);
        Assert.Equal(seen[^1], undone);
        await PressAndWaitAsync(page, "s", undone);

        var answers = await AnswersAsync(project, a => a.Count == 20 && a.Any(x => x.WasSkipped));
        await using var db = server.Database.CreateContext();
        Assert.Equal(20, answers.Count);
        Assert.Equal(19, answers.Count(a => !a.WasSkipped));
        var skip = Assert.Single(answers, a => a.WasSkipped);
        Assert.Equal(long.Parse(undone, System.Globalization.CultureInfo.InvariantCulture), skip.ItemId);
        Assert.Equal(20, seen.Distinct().Count());
        Assert.All(answers.Where(a => !a.WasSkipped), a => Assert.Contains(a.Label, (string[])["a", "b", "c"]));
        Assert.Equal(19, await db.Items.CountAsync(i => i.ProjectId == project && i.Status == ItemStatus.Labeled, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Two_annotators_never_see_the_same_item()
    {
        var (id1, email1) = await server.CreateUserAsync(Roles.Annotator);
        var (id2, email2) = await server.CreateUserAsync(Roles.Annotator);
        var project = await server.CreateImageProjectAsync(12, overlap: 1, id1, id2);
        var pages = new[] { await server.LogInAsync(email1), await server.LogInAsync(email2) };
        var shown = new[] { new List<string>(), new List<string>() };
        foreach (var page in pages)
        {
            await OpenWorkspaceAsync(page, project);
        }
        for (var round = 0; round < 5; round++)
        {
            for (var p = 0; p < 2; p++)
            {
                var current = await CurrentItemAsync(pages[p]);
                shown[p].Add(current);
                await PressAndWaitAsync(pages[p], "1", current);
            }
        }

        Assert.Empty(shown[0].Intersect(shown[1]));
    }

    [Fact]
    public async Task With_overlap_two_a_disagreement_lands_in_review_and_a_reviewer_resolves_it()
    {
        var (id1, email1) = await server.CreateUserAsync(Roles.Annotator);
        var (id2, email2) = await server.CreateUserAsync(Roles.Annotator);
        var (reviewerId, reviewerEmail) = await server.CreateUserAsync(Roles.Reviewer);
        var project = await server.CreateImageProjectAsync(1, overlap: 2, id1, id2, reviewerId);

        foreach (var (email, key) in new[] { (email1, "1"), (email2, "2") })
        {
            var page = await server.LogInAsync(email);
            await OpenWorkspaceAsync(page, project);
            await page.Keyboard.PressAsync(key);
            await Assertions.Expect(page.Locator("[data-testid=queue-empty]")).ToBeVisibleAsync();
        }
        Assert.Equal(2, (await AnswersAsync(project, 2)).Count);
        var reviewer = await server.LogInAsync(reviewerEmail);
        await reviewer.GotoAsync($"/projects/{project}/review");
        await Assertions.Expect(reviewer.Locator("[data-testid=review-item]")).ToHaveCountAsync(1);
        await reviewer.WaitForLoadStateAsync(LoadState.NetworkIdle);
        // A click before the page is live over its circuit does nothing: click until the queue is empty.
        for (var attempt = 0; attempt < 20 && !await reviewer.Locator("[data-testid=review-empty]").IsVisibleAsync(); attempt++)
        {
            if (await reviewer.Locator("[data-testid=review-item] button[data-label=b]").IsEnabledAsync())
            {
                await reviewer.ClickAsync("[data-testid=review-item] button[data-label=b]");
            }
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
        await Assertions.Expect(reviewer.Locator("[data-testid=review-empty]")).ToBeVisibleAsync();

        await using var db = server.Database.CreateContext();
        var item = await db.Items.SingleAsync(i => i.ProjectId == project, TestContext.Current.CancellationToken);
        Assert.Equal((ItemStatus.Labeled, "b"), (item.Status, item.FinalLabel));
    }
}
