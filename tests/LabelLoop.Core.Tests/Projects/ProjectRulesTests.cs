using LabelLoop.Core.Projects;
using Xunit;

namespace LabelLoop.Core.Tests.Projects;

public sealed class ProjectRulesTests
{
    private static ProjectInput Input(params LabelSpec[] labels) => new("Birds", ProjectKind.Image, labels);

    [Fact]
    public void A_sensible_project_has_no_errors()
    {
        var errors = ProjectRules.Validate(Input(new LabelSpec("cat", "c", "#1f77b4"), new LabelSpec("dog", "2"), new LabelSpec("bird")));

        Assert.Empty(errors);
    }

    [Fact]
    public void A_label_that_appears_twice_is_an_error()
    {
        var errors = ProjectRules.Validate(Input(new LabelSpec("cat"), new LabelSpec(" cat ")));

        Assert.Equal(["Label 'cat' appears twice."], errors["labels"]);
    }

    [Theory]
    [InlineData("s")]
    [InlineData("S")]
    [InlineData("u")]
    public void Reserved_hotkeys_are_refused(string hotkey)
    {
        var errors = ProjectRules.Validate(Input(new LabelSpec("cat", hotkey)));

        Assert.Contains("is reserved", Assert.Single(errors["labels"]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_hotkey_used_twice_is_an_error_whatever_its_case()
    {
        var errors = ProjectRules.Validate(Input(new LabelSpec("cat", "c"), new LabelSpec("cow", "C")));

        Assert.Equal(["Hotkey 'C' is used twice."], errors["labels"]);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("-")]
    public void A_hotkey_must_be_one_letter_or_digit(string hotkey)
    {
        var errors = ProjectRules.Validate(Input(new LabelSpec("cat", hotkey)));

        Assert.Equal(["Hotkey of 'cat' must be one letter or digit."], errors["labels"]);
    }

    [Theory]
    [InlineData("red")]
    [InlineData("#12345")]
    [InlineData("#1234567")]
    [InlineData("#12345g")]
    [InlineData("1f77b4a")]
    public void A_colour_must_be_hex_rgb(string color)
    {
        var errors = ProjectRules.Validate(Input(new LabelSpec("cat", null, color)));

        Assert.Equal(["Colour of 'cat' must look like #1f77b4."], errors["labels"]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(11)]
    public void Overlap_outside_one_to_ten_is_an_error(int overlap)
    {
        var errors = ProjectRules.Validate(Input() with { Overlap = overlap });

        Assert.Equal(["Overlap must be between 1 and 10."], errors["overlap"]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public void Overlap_at_the_bounds_is_fine(int overlap)
    {
        Assert.Empty(ProjectRules.Validate(Input() with { Overlap = overlap }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("tab\there")]
    public void A_blank_or_control_character_name_is_an_error(string name)
    {
        var errors = ProjectRules.Validate(Input() with { Name = name });

        Assert.True(errors.ContainsKey("name"));
    }

    [Fact]
    public void A_name_longer_than_the_limit_is_an_error()
    {
        var errors = ProjectRules.Validate(Input() with { Name = new string('n', Project.MaxNameLength + 1) });

        Assert.Equal(["Name must be at most 100 characters."], errors["name"]);
    }

    [Fact]
    public void Errors_from_several_fields_are_all_reported()
    {
        var errors = ProjectRules.Validate(new ProjectInput("", ProjectKind.Text, [new LabelSpec("a", "s"), new LabelSpec("")], Overlap: 0));

        Assert.Equal(["labels", "name", "overlap"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, errors["labels"].Length);
    }

    [Fact]
    public void Label_lines_parse_names_hotkeys_and_colours()
    {
        var labels = ProjectRules.ParseLabelLines("cat | c | #112233\r\n\n  dog  \nbird |  | #445566\nfish | f\n");

        Assert.Equal(
            [new LabelSpec("cat", "c", "#112233"), new LabelSpec("dog"), new LabelSpec("bird", null, "#445566"), new LabelSpec("fish", "f")],
            labels);
    }

    [Fact]
    public void Formatting_and_parsing_label_lines_round_trips()
    {
        List<LabelSpec> labels = [new("cat", "c", "#112233"), new("dog"), new("bird", null, "#445566"), new("fish", "f")];

        var text = ProjectRules.FormatLabelLines(labels);

        Assert.Equal("cat | c | #112233\ndog\nbird |  | #445566\nfish | f | ", text);
        Assert.Equal(labels, ProjectRules.ParseLabelLines(text));
    }

    [Fact]
    public void Default_colours_cycle_through_the_palette()
    {
        Assert.Equal("#1f77b4", ProjectRules.DefaultColor(0));
        Assert.Equal(ProjectRules.DefaultColor(1), ProjectRules.DefaultColor(11));
    }
}
