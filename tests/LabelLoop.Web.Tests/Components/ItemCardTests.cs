using AngleSharp.Dom;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using LabelLoop.Core.Projects;
using LabelLoop.Web.Components.Pages.Labeling;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Components;

public sealed class ItemCardTests
{
    private static readonly LabelSpec[] Labels =
        [.. Enumerable.Range(0, 11).Select(i => new LabelSpec($"label-{i}", i == 0 ? "t" : null, "#112233"))];

    private static ServedItem Image(long id, Suggestion? suggestion = null, SelectionReason? why = null) =>
        new(id, 7, ProjectKind.Image, null, $"/api/v1/projects/7/items/{id}/content", new DateTime(2026, 6, 1, 10, 0, 0, DateTimeKind.Utc), suggestion, why);

    private static async Task<IDocument> RenderAsync(ServedItem? item, ServedItem? prefetch = null, long? last = null)
    {
        await using var renderer = new ComponentRenderer(s => s.AddSingleton<AntiforgeryStateProvider, FixedAntiforgery>());
        return await renderer.RenderAsync<ItemCard>(new Dictionary<string, object?>
        {
            [nameof(ItemCard.ProjectId)] = 7,
            [nameof(ItemCard.Labels)] = Labels,
            [nameof(ItemCard.Item)] = item,
            [nameof(ItemCard.Prefetch)] = prefetch,
            [nameof(ItemCard.LastAnnotationId)] = last,
            [nameof(ItemCard.Progress)] = new AnnotatorProgress(3, 40, 960),
        });
    }

    [Fact]
    public async Task The_label_bar_numbers_the_first_ten_labels_and_shows_hotkeys()
    {
        var doc = await RenderAsync(Image(5));

        var buttons = doc.QuerySelectorAll("[data-testid=label-bar] button");
        Assert.Equal(11, buttons.Length);
        Assert.Equal(["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"], buttons.Take(10).Select(b => b.GetAttribute("data-shortcut")));
        Assert.Null(buttons[10].GetAttribute("data-shortcut"));
        Assert.Equal("t", buttons[0].GetAttribute("data-hotkey"));
        Assert.All(buttons, b => Assert.Equal("label", b.GetAttribute("name")));
        Assert.Equal("label-3", buttons[3].GetAttribute("value"));
        Assert.Equal("5", doc.QuerySelector("input[name=itemId]")!.GetAttribute("value"));
        Assert.Equal("test-token", doc.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value"));
    }

    [Fact]
    public async Task The_suggestion_shows_the_label_and_its_confidence_with_an_accept_button()
    {
        var doc = await RenderAsync(Image(5, new Suggestion("label-2", 0.83f, 99)));

        var suggestion = doc.QuerySelector("[data-testid=suggestion]")!;
        Assert.Contains("label-2", suggestion.TextContent, StringComparison.Ordinal);
        Assert.Contains("83", suggestion.TextContent, StringComparison.Ordinal);
        var accept = suggestion.QuerySelector("[data-accept]")!;
        Assert.Equal("label-2", accept.GetAttribute("value"));
    }

    [Fact]
    public async Task The_why_panel_is_collapsed_and_lists_strategy_score_top_classes_and_votes()
    {
        var why = new SelectionReason("margin+diverse", 0.9123, 4, [new LabelProbability("coat", 0.41f), new LabelProbability("shirt", 0.38f)], "coat 3, shirt 2");
        var doc = await RenderAsync(Image(5, new Suggestion("coat", 0.41f, 1), why));

        var panel = doc.QuerySelector("details[data-testid=why-panel]")!;
        Assert.False(panel.HasAttribute("open"));
        var text = panel.TextContent;
        Assert.Contains("margin+diverse", text, StringComparison.Ordinal);
        Assert.Contains("0.9123 (rank 4)", text, StringComparison.Ordinal);
        Assert.Contains("coat 41%, shirt 38%", text, StringComparison.Ordinal);
        Assert.Contains("coat 3, shirt 2", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_model_there_is_no_suggestion_and_no_why_panel()
    {
        var doc = await RenderAsync(Image(5));

        Assert.Null(doc.QuerySelector("[data-testid=suggestion]"));
        Assert.Null(doc.QuerySelector("[data-testid=why-panel]"));
    }

    [Fact]
    public async Task Text_is_shown_as_text_never_as_markup()
    {
        var item = new ServedItem(6, 7, ProjectKind.Text, "<script>alert(1)</script> & more", null, DateTime.UnixEpoch, null, null);

        var doc = await RenderAsync(item);

        Assert.Empty(doc.QuerySelectorAll("[data-testid=item-card] script"));
        Assert.Equal("<script>alert(1)</script> & more", doc.QuerySelector("[data-testid=item-text]")!.TextContent);
    }

    [Fact]
    public async Task The_next_image_is_prefetched_and_undo_targets_the_last_label()
    {
        var doc = await RenderAsync(Image(5), prefetch: Image(6), last: 123);

        Assert.Equal("/api/v1/projects/7/items/6/content", doc.QuerySelector("[data-testid=prefetch]")!.GetAttribute("src"));
        Assert.Equal("123", doc.QuerySelector("#undo-form input[name=annotationId]")!.GetAttribute("value"));
    }

    [Fact]
    public async Task An_empty_queue_says_so()
    {
        var doc = await RenderAsync(null);

        Assert.NotNull(doc.QuerySelector("[data-testid=queue-empty]"));
        Assert.Null(doc.QuerySelector("#label-form"));
    }

    private sealed class FixedAntiforgery : AntiforgeryStateProvider
    {
        public override AntiforgeryRequestToken? GetAntiforgeryToken() => new("test-token", "__RequestVerificationToken");
    }
}
