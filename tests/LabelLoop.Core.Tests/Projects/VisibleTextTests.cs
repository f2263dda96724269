using LabelLoop.Core.Import;
using LabelLoop.Core.Projects;
using Xunit;

namespace LabelLoop.Core.Tests.Projects;

public sealed class VisibleTextTests
{
    private static ProjectInput Input(params LabelSpec[] labels) => new("Birds", ProjectKind.Image, labels);

    [Theory]
    [InlineData("\u200D")] // zero-width joiner
    [InlineData("\u202E")] // right-to-left override
    [InlineData("\u200B")] // zero-width space
    [InlineData("\uFEFF")] // byte-order mark
    [InlineData("\u2028")] // line separator
    [InlineData(" \u200B\u2029 ")]
    [InlineData("\u3164")] // Hangul filler: a letter that renders blank
    public void A_label_name_with_nothing_visible_is_refused(string name)
    {
        var errors = ProjectRules.Validate(Input(new LabelSpec(name)));

        Assert.Contains("nothing visible", Assert.Single(errors["labels"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ca\u200Bt", "U+200B")]
    [InlineData("a\u202Eb", "U+202E")]
    [InlineData("a\u2028b", "U+2028")]
    [InlineData("c\u200Dat", "U+200D")]
    public void An_invisible_character_between_visible_ones_is_refused_and_named(string name, string codePoint)
    {
        var errors = ProjectRules.Validate(Input(new LabelSpec(name)));

        Assert.Contains($"invisible character {codePoint}", Assert.Single(errors["labels"]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_nul_or_other_control_character_in_a_label_name_is_refused()
    {
        var errors = ProjectRules.Validate(Input(new LabelSpec("c\0at"), new LabelSpec("dog\u0007")));

        Assert.Equal(2, errors["labels"].Length);
        Assert.All(errors["labels"], e => Assert.Contains("control characters", e, StringComparison.Ordinal));
    }

    [Fact]
    public void Names_equal_after_normalisation_are_duplicates()
    {
        // Precomposed e-acute, and e followed by a combining acute accent; a trailing zero-width space is trimmed.
        var errors = ProjectRules.Validate(Input(new LabelSpec("caf\u00E9"), new LabelSpec("cafe\u0301"), new LabelSpec("dog"), new LabelSpec("dog\u200B")));

        Assert.Equal(["Label 'caf\u00E9' appears twice.", "Label 'dog' appears twice."], errors["labels"]);
    }

    [Fact]
    public void Normalize_stores_names_in_NFC_trimmed_of_invisible_characters()
    {
        var input = ProjectRules.Normalize(new ProjectInput("\uFEFF Birds\u200B ", ProjectKind.Image, [new LabelSpec("\u200Bcafe\u0301 ", "c")]));

        Assert.Equal("Birds", input.Name);
        Assert.Equal(new LabelSpec("caf\u00E9", "c"), Assert.Single(input.Labels));
        Assert.Empty(ProjectRules.Validate(input));
    }

    [Fact]
    public void Spaces_between_words_and_non_latin_names_are_fine()
    {
        Assert.Empty(ProjectRules.Validate(Input(new LabelSpec("New York"), new LabelSpec("\u732B"), new LabelSpec("\u0643\u0644\u0628"), new LabelSpec("\U0001F408"))));
    }

    [Theory]
    [InlineData("\u202E", "nothing visible")]
    [InlineData("Bir\u200Bds", "invisible character U+200B")]
    [InlineData("Birds\0", "control characters")]
    public void Project_names_follow_the_same_rule(string name, string problem)
    {
        var errors = ProjectRules.Validate(Input() with { Name = name });

        Assert.Contains(problem, Assert.Single(errors["name"]), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unpaired_surrogate_is_refused_without_throwing()
    {
        var errors = ProjectRules.Validate(Input(new LabelSpec("a\uD800b")) with { Name = "x\uDC00" });

        Assert.Equal(["name", "labels"], errors.Keys);
    }

    [Theory]
    [InlineData("\u200D")]
    [InlineData("cafe\u0301")]
    [InlineData("a\u202Eb")]
    [InlineData(" cat ")]
    public void Imports_check_label_names_with_the_same_rule(string name)
    {
        Assert.Equal(ProjectRules.CheckLabelName(name), LabelNames.Check(name));
    }
}
