namespace LabelLoop.Core.Projects;

/// <summary>How an image project's models see its images: one grey channel, or three colour channels (RGB).</summary>
/// <remarks>
/// A project's choice is made automatically when its images are first imported (or, failing that, at its first
/// training or pretraining): colour when any image has colour, grey otherwise. Admins can change it; models and
/// encoders trained with the other choice are then retrained rather than reused.
/// </remarks>
public enum ImageColour
{
    /// <summary>One channel: colour images are converted to luminance.</summary>
    Grey,

    /// <summary>Three channels (red, green, blue): colour can tell classes apart.</summary>
    Colour,
}

/// <summary>Channel counts of <see cref="ImageColour"/> and the rule that decides it from the images themselves.</summary>
public static class ImageColours
{
    /// <summary>
    /// Largest difference between a pixel's channels (values in [0, 1]) still read as grey: JPEG's chroma rounding
    /// leaves grey images a few levels off.
    /// </summary>
    public const float GreyTolerance = 8f / 255f;

    /// <summary>Channels a model reads: 1 for grey, 3 for colour.</summary>
    public static int Channels(this ImageColour colour) => colour == ImageColour.Colour ? 3 : 1;

    /// <summary>
    /// Whether decoded RGB pixels (planar: all red values, then green, then blue; <paramref name="plane"/> values
    /// each) have a pixel whose channels differ by more than <see cref="GreyTolerance"/>.
    /// </summary>
    public static bool HasColour(ReadOnlySpan<float> rgb, int plane)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plane);
        if (rgb.Length < 3 * plane)
        {
            throw new ArgumentException($"expected 3 x {plane} values, got {rgb.Length}", nameof(rgb));
        }
        var red = rgb[..plane];
        var green = rgb.Slice(plane, plane);
        var blue = rgb.Slice(2 * plane, plane);
        for (var p = 0; p < plane; p++)
        {
            var max = Math.Max(red[p], Math.Max(green[p], blue[p]));
            var min = Math.Min(red[p], Math.Min(green[p], blue[p]));
            if (max - min > GreyTolerance)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The choice for a set of images, each colour (true), grey (false) or unknown (null): colour when any is colour,
    /// grey when at least one is known and none is colour, null when none is known.
    /// </summary>
    public static ImageColour? Decide(IEnumerable<bool?> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        ImageColour? decided = null;
        foreach (var image in images)
        {
            if (image == true)
            {
                return ImageColour.Colour;
            }
            if (image == false)
            {
                decided = ImageColour.Grey;
            }
        }
        return decided;
    }
}
