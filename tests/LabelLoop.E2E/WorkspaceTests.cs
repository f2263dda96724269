using LabelLoop.Core.Accounts;
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
            "before => { const c = document.getElementById('workspace-item'); return c && c.getAttribute('data-item-id') !== before && !document.querySelector('.htmx-request'); }",
            before);
        return await CurrentItemAsync(page);
    }

    [Fact]
    public async Task An_annotator_labels_twenty_items_with_the_keyboard_undoes_one_and_skips_it()
    {
        var (userId, email) = await server.CreateUserAsync(Roles.Annotator);
        var project = await server.CreateImageProjectAsync(30, overlap: 1, userId);
        var page = await server.LogInAsync(email);
        await page.GotoAsync($"/projects/{project}/label");
        await Assertions.Expect(page.Locator("[data-testid=item-image]")).ToBeVisibleAsync();

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

        await using var db = server.Database.CreateContext();
        var answers = await db.Annotations.Where(a => a.ProjectId == project).ToListAsync(TestContext.Current.CancellationToken);
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
            await page.GotoAsync($"/projects/{project}/label");
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
            await page.GotoAsync($"/projects/{project}/label");
            await PressAndWaitAsync(page, key, await CurrentItemAsync(page));
        }
        var reviewer = await server.LogInAsync(reviewerEmail);
        await reviewer.GotoAsync($"/projects/{project}/review");
        await Assertions.Expect(reviewer.Locator("[data-testid=review-item]")).ToHaveCountAsync(1);
        await reviewer.ClickAsync("[data-testid=review-item] button[value=b]");
        await Assertions.Expect(reviewer.Locator("[data-testid=review-empty]")).ToBeVisibleAsync();

        await using var db = server.Database.CreateContext();
        var item = await db.Items.SingleAsync(i => i.ProjectId == project, TestContext.Current.CancellationToken);
        Assert.Equal((ItemStatus.Labeled, "b"), (item.Status, item.FinalLabel));
    }
}
