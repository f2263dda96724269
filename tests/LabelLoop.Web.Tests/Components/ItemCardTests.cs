using Bunit;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using LabelLoop.Core.Projects;
using LabelLoop.Web.Components.Pages.Labeling;
using Xunit;

namespace LabelLoop.Web.Tests.Components;

public sealed class ItemCardTests : MudBunitContext
{
    private static readonly LabelSpec[] Labels =
        [.. Enumerable.Range(0, 11).Select(i => new LabelSpec($"label-{i}", i == 0 ? "t" : null, "#112233"))];

    private static ServedItem Image(long id, Suggestion? suggestion = null, SelectionReason? why = null) =>
        new(id, 7, ProjectKind.Image, null, $"/api/v1/projects/7/items/{id}/content", new DateTime(2026, 6, 1, 10, 0, 0, DateTimeKind.Utc), suggestion, why);

    private readonly List<string> _labeled = [];
    private int _skips;
    private int _undos;

    private IRenderedComponent<ItemCard> Card(ServedItem? item, IReadOnlyList<ServedItem>? prefetch = null, bool canUndo = false, bool waiting = false) =>
        Render<ItemCard>(p => p
            .Add(c => c.ProjectId, 7)
            .Add(c => c.Labels, Labels)
            .Add(c => c.Item, item)
            .Add(c => c.Prefetch, prefetch ?? [])
            .Add(c => c.CanUndo, canUndo)
            .Add(c => c.Waiting, waiting)
            .Add(c => c.Progress, new AnnotatorProgress(3, 40, 960))
            .Add(c => c.OnLabel, (string label) => _labeled.Add(label))
            .Add(c => c.OnSkip, () => _skips++)
            .Add(c => c.OnUndo, () => _undos++));

    [Fact]
    public void The_label_bar_numbers_the_first_ten_labels_shows_hotkeys_and_labels_on_click()
    {
        var cut = Card(Image(5));

        var buttons = cut.FindAll("[data-testid=label-bar] button");
        Assert.Equal(11, buttons.Count);
        Assert.Equal(["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"], buttons.Take(10).Select(b => b.GetAttribute("data-shortcut")));
        Assert.Null(buttons[10].GetAttribute("data-shortcut"));
        Assert.Equal("t", buttons[0].GetAttribute("data-hotkey"));
        Assert.Equal("5", cut.Find("#workspace-item").GetAttribute("data-item-id"));

        cut.FindAll("[data-testid=label-bar] button")[3].Click();

        Assert.Equal(["label-3"], _labeled);
    }

    [Fact]
    public void The_suggestion_shows_the_label_and_its_confidence_and_accepting_labels_it()
    {
        var cut = Card(Image(5, new Suggestion("label-2", 0.83f, 99)));

        var suggestion = cut.Find("[data-testid=suggestion]");
        Assert.Contains("label-2", suggestion.TextContent, StringComparison.Ordinal);
        Assert.Contains("83%", suggestion.TextContent, StringComparison.Ordinal);
        cut.Find("[data-accept]").Click();

        Assert.Equal(["label-2"], _labeled);
    }

    [Fact]
    public void The_why_panel_is_collapsed_and_lists_strategy_score_top_classes_and_votes()
    {
        var why = new SelectionReason("margin+diverse", 0.9123, 4, [new LabelProbability("coat", 0.41f), new LabelProbability("shirt", 0.38f)], "coat 3, shirt 2");
        var cut = Card(Image(5, new Suggestion("coat", 0.41f, 1), why));

        var panel = cut.Find("details[data-testid=why-panel]");
        Assert.False(panel.HasAttribute("open"));
        var text = panel.TextContent;
        Assert.Contains("margin+diverse", text, StringComparison.Ordinal);
        Assert.Contains("0.9123 (rank 4)", text, StringComparison.Ordinal);
        Assert.Contains("coat 41%, shirt 38%", text, StringComparison.Ordinal);
        Assert.Contains("coat 3, shirt 2", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cold_start_item_says_no_model_chose_it_and_shows_its_rank_without_a_score()
    {
        var cut = Card(Image(5, why: SelectionReason.ColdStart(3)));

        var panel = cut.Find("details[data-testid=why-panel]");
        Assert.Contains("typical", panel.TextContent, StringComparison.Ordinal);
        Assert.StartsWith("No model yet", cut.Find("[data-testid=why-note]").TextContent, StringComparison.Ordinal);
        Assert.Equal(["Strategy", "Rank", "Note"], panel.QuerySelectorAll("th").Select(th => th.TextContent));
        Assert.Empty(cut.FindAll("[data-testid=suggestion]"));
    }

    [Fact]
    public void Without_a_model_there_is_no_suggestion_and_no_why_panel()
    {
        var cut = Card(Image(5));

        Assert.Empty(cut.FindAll("[data-testid=suggestion]"));
        Assert.Empty(cut.FindAll("[data-testid=why-panel]"));
    }

    [Fact]
    public void Text_is_shown_as_text_never_as_markup()
    {
        var item = new ServedItem(6, 7, ProjectKind.Text, "<script>alert(1)</script> & more", null, DateTime.UnixEpoch, null, null);

        var cut = Card(item);

        Assert.Empty(cut.FindAll("[data-testid=item-card] script"));
        Assert.Equal("<script>alert(1)</script> & more", cut.Find("[data-testid=item-text]").TextContent);
    }

    [Fact]
    public void The_next_images_are_prefetched_and_the_image_zooms_on_click()
    {
        var cut = Card(Image(5), prefetch: [Image(6), Image(7)], canUndo: true);

        Assert.Equal(["/api/v1/projects/7/items/6/content", "/api/v1/projects/7/items/7/content"],
            cut.FindAll("[data-testid=prefetch]").Select(i => i.GetAttribute("src")));
        cut.Find("[data-testid=item-image]").Click();
        Assert.Contains("zoomed", cut.Find("[data-testid=item-image]").ClassList);
        cut.Find("[data-testid=item-image]").Click();
        Assert.DoesNotContain("zoomed", cut.Find("[data-testid=item-image]").ClassList);
    }

    [Fact]
    public void Skip_and_undo_call_back()
    {
        var cut = Card(Image(5), canUndo: true);

        cut.Find("[data-skip]").Click();
        cut.Find("[data-testid=undo]").Click();

        Assert.Equal((1, 1), (_skips, _undos));
    }

    [Fact]
    public void An_empty_queue_says_so_and_one_being_filled_says_it_is_loading()
    {
        var empty = Card(null);
        Assert.NotNull(empty.Find("[data-testid=queue-empty]"));
        Assert.Empty(empty.FindAll("#label-form"));

        var loading = Card(null, waiting: true);
        Assert.NotNull(loading.Find("[data-testid=queue-loading]"));
        Assert.Empty(loading.FindAll("[data-testid=queue-empty]"));
    }
}
