using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using Xunit;

namespace LabelLoop.Core.Tests.Projects;

public sealed class ImageColourTests
{
    [Fact]
    public void Grey_models_read_one_channel_and_colour_models_three()
    {
        Assert.Equal((1, 3), (ImageColour.Grey.Channels(), ImageColour.Colour.Channels()));
    }

    [Fact]
    public void A_pixel_whose_channels_differ_beyond_the_tolerance_is_colour()
    {
        // Two pixels, planar: red plane, green plane, blue plane.
        float[] grey = [0.2f, 0.9f, 0.2f + (4 / 255f), 0.9f, 0.2f, 0.9f - (4 / 255f)];
        float[] colour = [0.2f, 0.9f, 0.2f, 0.5f, 0.2f, 0.9f];

        Assert.False(ImageColours.HasColour(grey, 2));
        Assert.True(ImageColours.HasColour(colour, 2));
        Assert.Throws<ArgumentException>(() => ImageColours.HasColour(colour.AsSpan(0, 5), 2));
    }

    [Fact]
    public void Any_colour_image_decides_colour_and_unknown_images_decide_nothing()
    {
        Assert.Equal(ImageColour.Colour, ImageColours.Decide([false, null, true, false]));
        Assert.Equal(ImageColour.Grey, ImageColours.Decide([false, null]));
        Assert.Null(ImageColours.Decide([null, null]));
        Assert.Null(ImageColours.Decide([]));
    }

    [Fact]
    public void Loop_settings_refuse_a_colour_mode_that_does_not_exist()
    {
        var valid = new LoopSettings(20, 0, 0, 5, "margin", ImageColour: ImageColour.Colour);

        Assert.Empty(valid.Validate());
        Assert.Contains("imageColour", (valid with { ImageColour = (ImageColour)3 }).Validate().Keys);
    }
}
