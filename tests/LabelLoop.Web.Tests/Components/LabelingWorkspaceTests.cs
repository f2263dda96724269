using System.Security.Claims;
using Bunit;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Annotations;
using LabelLoop.Data.Items;
using LabelLoop.Testing;
using LabelLoop.Web.Components.Pages.Labeling;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Components;

/// <summary>The workspace and the review queue on a real app's services and database, keys sent as the page's script sends them.</summary>
public sealed class LabelingWorkspaceTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static CancellationToken Cancel => Xunit.TestContext.Current.CancellationToken;

    private Task<int> CreateTextProjectAsync(int items, int overlap, params string[] members) =>
        factory.CreateTextProjectAsync("ws", [new LabelSpec("yes", "y"), new LabelSpec("no")], items, overlap, members, Cancel);

    private async Task<(MudBunitContext Context, IRenderedComponent<LabelingWorkspace> Page, int Project, string UserId)> OpenAsync(int items, int overlap = 1)
    {
        var userId = await factory.CreateUserAsync($"ws-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", Roles.Annotator);
        var project = await CreateTextProjectAsync(items, overlap, userId);
        var context = new MudBunitContext(factory.Services);
        context.SignIn(userId, Roles.Annotator);
        context.Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        var page = context.Render<LabelingWorkspace>(p => p.Add(w => w.ProjectId, project).AddCascadingValue(SignedIn(userId, Roles.Annotator)));
        page.WaitForElement("[data-testid=item-text]");
        return (context, page, project, userId);
    }

    /// <summary>The authentication state Routes cascades to a page, for <paramref name="userId"/> in <paramref name="role"/>.</summary>
    private static Task<AuthenticationState> SignedIn(string userId, string role) =>
        Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, userId), new Claim(ClaimTypes.Role, role)], "test"))));

    private static string Shown(IRenderedComponent<LabelingWorkspace> page) => page.Find("#workspace-item").GetAttribute("data-item-id") ?? "";

    private Task<List<Annotation>> AnswersAsync(int project, int expected) => AnswersAsync(project, answers => answers.Count == expected);

    /// <summary>The project's stored answers once they meet <paramref name="done"/> (answers are stored in the background), or after 20 s.</summary>
    private async Task<List<Annotation>> AnswersAsync(int project, Func<List<Annotation>, bool> done)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await using var db = factory.Database.CreateContext();
            var answers = await db.Annotations.AsNoTracking().Where(a => a.ProjectId == project).OrderBy(a => a.Id).ToListAsync(Cancel);
            if (done(answers) || waited.Elapsed > TimeSpan.FromSeconds(20))
            {
                return answers;
            }
            await Task.Delay(50, Cancel);
        }
    }

    [Fact]
    public async Task Fifteen_keys_in_a_row_store_fifteen_labels_on_fifteen_items_in_order()
    {
        var (context, page, project, _) = await OpenAsync(30);
        await using var _ = context;
        var first = long.Parse(Shown(page), System.Globalization.CultureInfo.InvariantCulture);

        var answered = new List<long>();
        for (var n = 1; n <= 15; n++)
        {
            // No wait between keys: each one moves to the next item at once, whatever is still being stored.
            var acknowledged = await page.InvokeAsync(() => page.Instance.Key(n, n % 3 == 0 ? "y" : n % 2 == 0 ? "2" : "1"));
            Assert.Equal(n, acknowledged);
        }

        var answers = await AnswersAsync(project, 15);
        Assert.Equal(15, answers.Count);
        Assert.Equal(15, answers.Select(a => a.ItemId).Distinct().Count());
        Assert.Equal(first, answers[0].ItemId);
        Assert.Equal(Enumerable.Range(1, 15).Select(n => n % 3 == 0 ? "yes" : n % 2 == 0 ? "no" : "yes"), answers.Select(a => a.Label));
        Assert.Equal(15, answers.Select(a => a.IdempotencyKey).Distinct().Count());
        page.WaitForAssertion(() => Assert.DoesNotContain(Shown(page), answers.Select(a => a.ItemId.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        // Every answer was stored: no "not saved" warning on the page.
        Assert.Empty(page.FindAll("[data-testid=not-saved]"));
    }

    [Fact]
    public async Task A_key_sent_again_or_after_a_gap_is_not_applied()
    {
        var (context, page, project, _) = await OpenAsync(5);
        await using var _ = context;

        Assert.Equal(1, await page.InvokeAsync(() => page.Instance.Key(1, "1")));
        Assert.Equal(1, await page.InvokeAsync(() => page.Instance.Key(1, "1")));
        Assert.Equal(1, await page.InvokeAsync(() => page.Instance.Key(3, "1")));
        Assert.Equal(2, await page.InvokeAsync(() => page.Instance.Key(2, "2")));

        Assert.Equal(2, (await AnswersAsync(project, 2)).Count);
        await Task.Delay(300, Cancel);
        Assert.Equal(["yes", "no"], (await AnswersAsync(project, 2)).Select(a => a.Label));
    }

    [Fact]
    public async Task Undo_shows_the_item_again_and_takes_the_label_back_and_skip_stores_the_reason()
    {
        var (context, page, project, _) = await OpenAsync(5);
        await using var _ = context;
        var first = Shown(page);
        await page.InvokeAsync(() => page.Instance.Key(1, "1"));
        var second = Shown(page);
        Assert.NotEqual(first, second);
        await page.InvokeAsync(() => page.Instance.Key(2, "1"));

        await page.InvokeAsync(() => page.Instance.Key(3, "u"));
        Assert.Equal(second, Shown(page));

        page.Find("input[data-testid=skip-reason], [data-testid=skip-reason] input").Input("blurry");
        await page.InvokeAsync(() => page.Instance.Key(4, "s"));

        // The undo waits for the second answer to be stored, then takes it back, and the skip follows: had the label
        // stayed, the skip of the same item would have been refused.
        var stored = await AnswersAsync(project, answers => answers.Count == 2 && answers[1].WasSkipped);
        Assert.Equal(2, stored.Count);
        Assert.Equal(first, stored[0].ItemId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var skip = stored[1];
        Assert.True(skip.WasSkipped);
        Assert.Equal("blurry", skip.Comment);
        Assert.Equal(second, skip.ItemId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Enter_accepts_nothing_without_a_suggestion_and_question_mark_shows_the_keys()
    {
        var (context, page, project, _) = await OpenAsync(3);
        await using var _ = context;
        var first = Shown(page);

        await page.InvokeAsync(() => page.Instance.Key(1, "Enter"));
        Assert.Equal(first, Shown(page));
        Assert.Empty(page.FindAll("[data-testid=keys-help]"));
        await page.InvokeAsync(() => page.Instance.Key(2, "?"));
        Assert.NotNull(page.Find("[data-testid=keys-help]"));

        await Task.Delay(200, Cancel);
        Assert.Empty(await AnswersAsync(project, 0));
    }

    [Fact]
    public async Task When_every_item_is_answered_the_queue_says_so()
    {
        var (context, page, project, _) = await OpenAsync(2);
        await using var _ = context;

        await page.InvokeAsync(() => page.Instance.Key(1, "1"));
        await page.InvokeAsync(() => page.Instance.Key(2, "2"));
        await page.InvokeAsync(() => page.Instance.Key(3, "1"));

        page.WaitForElement("[data-testid=queue-empty]", TimeSpan.FromSeconds(20));
        Assert.Equal(2, (await AnswersAsync(project, 2)).Count);
    }

    [Fact]
    public async Task The_review_queue_shows_the_answers_and_a_reviewer_sets_the_final_label()
    {
        var first = await factory.CreateUserAsync($"a-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", Roles.Annotator);
        var second = await factory.CreateUserAsync($"b-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", Roles.Annotator);
        var reviewer = await factory.CreateUserAsync($"r-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", Roles.Reviewer);
        var project = await CreateTextProjectAsync(1, 2, first, second, reviewer);
        var leases = factory.Services.GetRequiredService<ItemLeaseService>();
        var annotations = factory.Services.GetRequiredService<AnnotationService>();
        foreach (var (user, label) in new[] { (first, "yes"), (second, "no") })
        {
            var caller = new Caller(user, IsAdmin: false);
            var item = Assert.Single(await leases.NextAsync(caller, project, 1, Cancel));
            await annotations.SubmitAsync(caller, project, new SubmitAnnotation(item.ItemId, label), Cancel);
        }
        await using var context = new MudBunitContext(factory.Services);
        context.SignIn(reviewer, Roles.Reviewer);

        var page = context.Render<ReviewQueue>(p => p.Add(r => r.ProjectId, project).AddCascadingValue(SignedIn(reviewer, Roles.Reviewer)));
        page.WaitForElement("[data-testid=review-item]");
        Assert.Equal(2, page.FindAll("[data-testid=review-item] .mud-chip").Count);
        page.Find("[data-testid=review-item] button[data-label=no]").Click();

        page.WaitForElement("[data-testid=review-empty]", TimeSpan.FromSeconds(20));
        await using var db = factory.Database.CreateContext();
        var stored = await db.Items.SingleAsync(i => i.ProjectId == project, Cancel);
        Assert.Equal((Core.Items.ItemStatus.Labeled, "no"), (stored.Status, stored.FinalLabel));
    }
}
