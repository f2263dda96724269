using LabelLoop.Core.Projects;
using LabelLoop.Data;
using LabelLoop.Data.Blobs;
using LabelLoop.Ml;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LabelLoop.Jobs.Training;

/// <summary>
/// The colour mode a training or pretraining uses: the project's choice, or, for a project that has none yet (one
/// made before the choice existed, or whose import could not tell), one decided now from a sample of its images
/// and stored, so every later run agrees.
/// </summary>
public sealed class ImageColourResolver(
    IDbContextFactory<LabelLoopDbContext> contextFactory,
    BlobStore blobs,
    ILogger<ImageColourResolver> logger)
{
    /// <summary>Images decoded to decide; colour in any of them makes the project a colour one.</summary>
    public const int SampleSize = 64;

    // Small thumbnails keep the decision cheap; a colour region survives the averaging unless it is tiny.
    private const int ThumbnailSize = 16;

    public async Task<ImageColour> ResolveAsync(IModelEngine engine, Project project, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(project);
        if (project.ImageColour is { } chosen)
        {
            return chosen;
        }
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var hashes = await db.Items.AsNoTracking()
            .Where(i => i.ProjectId == project.Id && i.BlobHash != null)
            .OrderBy(i => i.Id).Select(i => i.BlobHash!).ToListAsync(cancellationToken);
        var sample = Spread(hashes, SampleSize).Select(h => (ReadOnlyMemory<byte>)File.ReadAllBytes(blobs.PathOf(h))).ToList();
        var decided = Detect(engine, sample);
        await db.Projects.Where(p => p.Id == project.Id && p.ImageColour == null)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.ImageColour, (ImageColour?)decided), cancellationToken);
        // An admin's choice made meanwhile wins over the detection.
        var stored = await db.Projects.AsNoTracking().Where(p => p.Id == project.Id)
            .Select(p => p.ImageColour).SingleAsync(cancellationToken) ?? decided;
        logger.LogInformation("Project {ProjectId} had no colour mode; its images make it {Colour}", project.Id, stored);
        return stored;
    }

    /// <summary>
    /// Colour when any of the images (encoded files) has a pixel whose channels differ beyond
    /// <see cref="ImageColours.GreyTolerance"/>; grey otherwise, and for no images.
    /// </summary>
    public static ImageColour Detect(IModelEngine engine, IReadOnlyList<ReadOnlyMemory<byte>> images)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            return ImageColour.Grey;
        }
        var pixels = engine.DecodeImages(images, channels: 3, ThumbnailSize);
        const int plane = ThumbnailSize * ThumbnailSize;
        for (var i = 0; i < images.Count; i++)
        {
            if (ImageColours.HasColour(pixels.AsSpan(i * 3 * plane, 3 * plane), plane))
            {
                return ImageColour.Colour;
            }
        }
        return ImageColour.Grey;
    }

    /// <summary>Detects from a spread sample of at most <see cref="SampleSize"/> of the images.</summary>
    public static ImageColour DetectSample(IModelEngine engine, IReadOnlyList<ReadOnlyMemory<byte>> images) =>
        Detect(engine, Spread(images, SampleSize));

    /// <summary>Up to <paramref name="count"/> items spread evenly over the list (imports are often sorted by class).</summary>
    private static List<T> Spread<T>(IReadOnlyList<T> all, int count)
    {
        if (all.Count <= count)
        {
            return [.. all];
        }
        return [.. Enumerable.Range(0, count).Select(k => all[(int)((long)k * all.Count / count)])];
    }
}
