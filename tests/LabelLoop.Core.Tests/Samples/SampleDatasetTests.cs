using LabelLoop.Core.Import;
using LabelLoop.Core.Samples;
using Xunit;

namespace LabelLoop.Core.Tests.Samples;

/// <summary>The sample builders over Debian's dataset packages; skipped where the packages are not installed.</summary>
public sealed class SampleDatasetTests
{
    [Fact]
    public void Fashion_mnist_images_are_valid_28_by_28_pngs_with_class_labels()
    {
        if (!FashionMnist.IsAvailable(FashionMnist.DefaultDirectory))
        {
            Assert.Skip($"dataset-fashion-mnist is not installed ({FashionMnist.DefaultDirectory})");
        }

        var images = FashionMnist.Read(FashionMnist.DefaultDirectory, full: false).Take(50).ToList();

        Assert.Equal(50, images.Count);
        Assert.All(images, image =>
        {
            Assert.Equal("test", image.Split);
            Assert.Contains(image.Label, FashionMnist.ClassNames);
            Assert.Equal(new ImageInfo("image/png", 28, 28, IsColour: false), new ImageHeaderValidator().Validate(image.Png));
        });
        Assert.Equal(Enumerable.Range(0, 50), images.Select(i => i.Index));
        // The first test image of Fashion-MNIST is an ankle boot (class 9).
        Assert.Equal("ankle-boot", images[0].Label);
        Assert.True(images.Select(i => i.Label).Distinct().Count() > 5);
    }

    [Fact]
    public void Fortune_topics_are_labelled_by_file_and_fit_the_length_bounds()
    {
        if (!FortuneTopics.IsAvailable(FortuneTopics.DefaultDirectory))
        {
            Assert.Skip($"fortunes is not installed ({FortuneTopics.DefaultDirectory})");
        }

        var quotes = FortuneTopics.Read(FortuneTopics.DefaultDirectory, maxChars: 300).ToList();

        Assert.NotEmpty(quotes);
        Assert.Equal(FortuneTopics.Topics.Order(StringComparer.Ordinal), quotes.Select(q => q.Label).Distinct().Order(StringComparer.Ordinal));
        Assert.All(quotes, q =>
        {
            Assert.InRange(q.Text.Length, 20, 300);
            Assert.DoesNotContain('\n', q.Text);
            Assert.StartsWith(q.Label + "-", q.Id, StringComparison.Ordinal);
        });
        Assert.Equal(quotes.Count, quotes.Select(q => q.Id).Distinct().Count());
    }

    [Fact]
    public void The_png_encoder_rejects_a_pixel_count_that_does_not_match()
    {
        Assert.Throws<ArgumentException>(() => PngEncoder.EncodeGray8(new byte[5], 2, 2));
    }
}
