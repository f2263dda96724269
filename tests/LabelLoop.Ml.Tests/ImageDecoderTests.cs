namespace LabelLoop.Ml.Tests;

public sealed class ImageDecoderTests(TrainedImageModel trained)
{
    private static (byte, byte, byte) LeftRedRightBlue(int x, int y) => x < 4 ? ((byte)255, (byte)0, (byte)0) : ((byte)0, (byte)0, (byte)255);

    [Fact]
    public void Png_and_bmp_decode_to_planar_floats_of_the_requested_size()
    {
        ReadOnlyMemory<byte>[] images = [ImageFiles.Png(8, 6, LeftRedRightBlue), ImageFiles.Bmp(8, 6, LeftRedRightBlue)];

        var pixels = trained.Engine.DecodeImages(images, channels: 3, size: 4);

        Assert.Equal(2 * 3 * 4 * 4, pixels.Length);
        for (var image = 0; image < 2; image++)
        {
            var red = pixels.AsSpan(image * 48, 16);
            var blue = pixels.AsSpan((image * 48) + 32, 16);
            Assert.Equal(1f, red[0], 2);
            Assert.Equal(0f, blue[0], 2);
            Assert.Equal(0f, red[3], 2);
            Assert.Equal(1f, blue[3], 2);
        }
    }

    [Fact]
    public void Grayscale_decoding_feeds_an_image_model()
    {
        var files = Enumerable.Range(0, 5).Select(i => (ReadOnlyMemory<byte>)ImageFiles.Png(30, 30, (x, y) => ((byte)(x * 8), (byte)(y * 8), (byte)i))).ToArray();

        var pixels = trained.Engine.DecodeImages(files, channels: 1, size: TestData.ImageSize);
        var probabilities = trained.Engine.PredictProbabilities(trained.Model, ModelBatch.FromPixels(pixels, 5));

        Assert.Equal(5 * TestData.ImageClasses, probabilities.Length);
        Assert.All(pixels, p => Assert.InRange(p, 0f, 1f));
    }

    [Fact]
    public void A_corrupt_image_is_reported_by_index()
    {
        var good = ImageFiles.Png(4, 4, LeftRedRightBlue);
        var corrupt = good[..(good.Length / 2)];

        var e = Assert.Throws<ModelEngineException>(
            () => trained.Engine.DecodeImages([good, corrupt, good], channels: 3, size: 8));

        Assert.Equal(EngineStatus.InvalidArgument, e.Status);
        Assert.Contains("image 1", e.EngineMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_input_is_rejected()
    {
        var e = Assert.Throws<ModelEngineException>(() => trained.Engine.DecodeImages([], channels: 1, size: 8));
        Assert.Contains("n_images is 0", e.EngineMessage, StringComparison.Ordinal);

        e = Assert.Throws<ModelEngineException>(() => trained.Engine.DecodeImages([ReadOnlyMemory<byte>.Empty], channels: 1, size: 8));
        Assert.Contains("image 0 has length 0", e.EngineMessage, StringComparison.Ordinal);
    }
}
