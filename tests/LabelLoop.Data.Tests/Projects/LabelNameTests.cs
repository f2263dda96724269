using System.Text;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Import;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Import;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using Xunit;

namespace LabelLoop.Data.Tests.Projects;

/// <summary>Label names are one rule for the project form, the API and imports (see <see cref="VisibleText"/>).</summary>
public sealed class LabelNameTests(LabelLoopDataFixture fixture) : IClassFixture<LabelLoopDataFixture>
{
    private readonly ProjectService _projects = fixture.Get<ProjectService>();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<ImportReport> ImportJsonlAsync(int projectId, string jsonl)
    {
        var bytes = Encoding.UTF8.GetBytes(jsonl);
        return await fixture.Get<ImportService>().ImportAsync(projectId,
            new ImportListing([new ImportEntry("items.jsonl", bytes.Length, () => new MemoryStream(bytes))], []), cancellationToken: Cancel);
    }

    [Fact]
    public async Task Names_are_stored_in_NFC_and_a_decomposed_twin_is_the_same_label()
    {
        var id = await _projects.CreateAsync(Caller.System,
            new ProjectInput($"caf\u00E9-{Guid.NewGuid():N}\u200B", ProjectKind.Text, [new LabelSpec("cafe\u0301"), new LabelSpec("tea")]), Cancel);
        var details = await _projects.GetAsync(Caller.System, id, Cancel);

        Assert.Equal(["caf\u00E9", "tea"], details.Labels.Select(l => l.Name));
        Assert.False(details.Name.EndsWith('\u200B'));
        Assert.Equal(id, await _projects.GetIdByNameAsync(details.Name.Normalize(NormalizationForm.FormD) + "\u200B", Cancel));

        var error = await Assert.ThrowsAsync<DomainValidationException>(() => _projects.UpdateAsync(Caller.System, id,
            new ProjectInput(details.Name, ProjectKind.Text, [new LabelSpec("caf\u00E9"), new LabelSpec("cafe\u0301")]), Cancel));
        Assert.Equal(["Label 'caf\u00E9' appears twice."], error.Errors["labels"]);

        // The edit form sends the names back as they were typed: the decomposed one matches the stored label.
        await _projects.UpdateAsync(Caller.System, id, new ProjectInput(details.Name, ProjectKind.Text, [new LabelSpec("cafe\u0301", "c"), new LabelSpec("tea")]), Cancel);
        Assert.Equal([new LabelSpec("caf\u00E9", "c", ProjectRules.DefaultColor(0)), new LabelSpec("tea", null, ProjectRules.DefaultColor(1))],
            (await _projects.GetAsync(Caller.System, id, Cancel)).Labels);
    }

    [Fact]
    public async Task An_invisible_label_name_is_refused_with_the_reason_not_as_empty()
    {
        var error = await Assert.ThrowsAsync<DomainValidationException>(() => _projects.CreateAsync(Caller.System,
            new ProjectInput($"zwj-{Guid.NewGuid():N}", ProjectKind.Text, [new LabelSpec("yes"), new LabelSpec("\u200D")]), Cancel));

        Assert.Contains("nothing visible", Assert.Single(error.Errors["labels"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_import_matches_labels_after_normalisation_and_refuses_invisible_ones()
    {
        var id = await _projects.CreateAsync(Caller.System, new ProjectInput($"import-{Guid.NewGuid():N}", ProjectKind.Text, [new LabelSpec("caf\u00E9")]), Cancel);

        var matched = await ImportJsonlAsync(id, "{\"text\":\"one\",\"label\":\"cafe\\u0301\"}");
        var refused = await ImportJsonlAsync(id, "{\"text\":\"two\",\"label\":\"\\u200d\"}\n{\"text\":\"three\",\"label\":\"a\\u202eb\"}");

        Assert.True(matched.Succeeded, string.Join("; ", matched.Errors));
        Assert.Equal(["caf\u00E9"], (await _projects.GetAsync(Caller.System, id, Cancel)).Labels.Select(l => l.Name));
        Assert.False(refused.Succeeded);
        Assert.Contains(refused.Errors, e => e.Message.Contains("nothing visible", StringComparison.Ordinal));
        Assert.Contains(refused.Errors, e => e.Message.Contains("U+202E", StringComparison.Ordinal));
    }
}
