using LabelLoop.Core.Accounts;
using LabelLoop.Core.Import;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Import;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Data.Tests.Import;

/// <summary>The first image import decides whether the project's models see colour; later ones keep the choice.</summary>
public sealed class ImportColourTests(LabelLoopDataFixture fixture) : IClassFixture<LabelLoopDataFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<int> CreateProjectAsync(ProjectKind kind = ProjectKind.Image) =>
        await fixture.Get<ProjectService>().CreateAsync(Caller.System,
            new ProjectInput($"colour-{Guid.NewGuid():N}", kind, [new LabelSpec("a"), new LabelSpec("b")]), Cancel);

    private async Task<ImportReport> ImportAsync(int projectId, params (string Path, byte[] Content)[] files)
    {
        using var dir = new TempDirectory();
        foreach (var (path, content) in files)
        {
            dir.Write(path, content);
        }
        using var opened = OpenedImport.Open(dir.Path);
        var report = await fixture.Get<ImportService>().ImportAsync(projectId, opened.Listing, cancellationToken: Cancel);
        Assert.Empty(report.Errors);
        return report;
    }

    private async Task<ImageColour?> ColourOfAsync(int projectId)
    {
        await using var db = fixture.CreateContext();
        return await db.Projects.Where(p => p.Id == projectId).Select(p => p.ImageColour).SingleAsync(Cancel);
    }

    [Fact]
    public async Task A_new_project_has_no_colour_mode_until_its_first_import()
    {
        Assert.Null(await ColourOfAsync(await CreateProjectAsync()));
    }

    [Fact]
    public async Task Grey_images_make_a_grey_project()
    {
        var id = await CreateProjectAsync();

        await ImportAsync(id, ("a/1.png", TestImages.Png(1)), ("b/2.png", TestImages.Png(2)));

        Assert.Equal(ImageColour.Grey, await ColourOfAsync(id));
    }

    [Fact]
    public async Task One_colour_image_among_grey_ones_makes_a_colour_project_and_later_imports_keep_the_choice()
    {
        var colourProject = await CreateProjectAsync();
        var greyProject = await CreateProjectAsync();

        await ImportAsync(colourProject, ("a/1.png", TestImages.Png(11)), ("b/2.png", TestImages.ColourPng(12, (200, 30, 30))));
        await ImportAsync(greyProject, ("a/1.png", TestImages.Png(13)));
        await ImportAsync(greyProject, ("b/2.png", TestImages.ColourPng(14, (30, 200, 30))));

        Assert.Equal(ImageColour.Colour, await ColourOfAsync(colourProject));
        Assert.Equal(ImageColour.Grey, await ColourOfAsync(greyProject));
    }

    [Fact]
    public async Task The_import_summary_says_which_augmentations_training_will_use()
    {
        var image = await CreateProjectAsync();
        var mirrored = await fixture.Get<ProjectService>().CreateAsync(Caller.System,
            new ProjectInput($"mirror-{Guid.NewGuid():N}", ProjectKind.Image, [new LabelSpec("a"), new LabelSpec("b")], AllowHorizontalFlip: true), Cancel);
        var text = await CreateProjectAsync(ProjectKind.Text);

        var plain = await ImportAsync(image, ("a/1.png", TestImages.Png(21)));
        var flipped = await ImportAsync(mirrored, ("a/1.png", TestImages.Png(22)));
        var texts = await ImportAsync(text, ("items.jsonl", "{\"text\": \"hello\", \"label\": \"a\"}\n"u8.ToArray()));

        Assert.Contains("no mirror flips", plain.AugmentationNote, StringComparison.Ordinal);
        Assert.Contains("allowHorizontalFlip", plain.AugmentationNote, StringComparison.Ordinal);
        Assert.Contains("left-right mirror flips", flipped.AugmentationNote, StringComparison.Ordinal);
        Assert.Null(texts.AugmentationNote);
    }
}
