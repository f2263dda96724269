using System.Globalization;
using LabelLoop.Core.Samples;

namespace LabelLoop.Ml.Tests;

/// <summary>
/// <see cref="ImageDecoder"/> (SkiaSharp) against the stb_image decoder it replaced, while the native library still
/// ships: mean absolute difference per output value, in units of 1/255.
/// </summary>
public sealed class ImageDecoderStbComparisonTests
{
    private static double MeanAbsoluteDifference(List<ReadOnlyMemory<byte>> images, int channels, int size, out double max)
    {
        var data = images.SelectMany(i => i.ToArray()).ToArray();
        var lengths = images.Select(i => (long)i.Length).ToArray();
        var managed = new float[images.Count * channels * size * size];
        var stb = new float[managed.Length];
        ImageDecoder.Decode(data, lengths, channels, size, managed);
        StbImageDecoder.Decode(data, lengths, channels, size, stb);
        double sum = 0;
        max = 0;
        for (var i = 0; i < managed.Length; i++)
        {
            var d = Math.Abs(managed[i] - stb[i]) * 255.0;
            sum += d;
            max = Math.Max(max, d);
        }
        var mean = sum / managed.Length;
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{images.Count} images, {channels} channel(s), size {size}: mean {mean:F4}/255, max {max:F1}/255"));
        return mean;
    }

    private static List<ReadOnlyMemory<byte>> FashionMnistSample(int count)
    {
        if (!FashionMnist.IsAvailable(FashionMnist.DefaultDirectory))
        {
            Assert.Skip($"no Fashion-MNIST files in {FashionMnist.DefaultDirectory} (apt-get install dataset-fashion-mnist)");
        }
        return [.. FashionMnist.Read(FashionMnist.DefaultDirectory, full: false).Take(count).Select(i => (ReadOnlyMemory<byte>)i.Png)];
    }

    [NativeFact]
    public void Fashion_mnist_pngs_at_their_own_size_decode_as_stb_decodes_them()
    {
        var images = FashionMnistSample(2000);

        Assert.True(MeanAbsoluteDifference(images, 1, 28, out var max) < 1.0);
        Assert.True(max < 1.0);
        Assert.True(MeanAbsoluteDifference(images, 3, 28, out max) < 1.0);
        Assert.True(max < 1.0);
    }

    [NativeTheory]
    [InlineData(56, 0.1)]
    [InlineData(40, 0.1)]
    [InlineData(24, 3.0)]
    [InlineData(20, 3.0)]
    [InlineData(14, 6.0)]
    [InlineData(8, 7.0)]
    public void Fashion_mnist_pngs_resized_stay_close_to_stb(int size, double bound)
    {
        // Enlarging uses stb's own filter; shrinking differs, as Skia's cubic filters do not widen with the factor.
        var images = FashionMnistSample(500);

        Assert.True(MeanAbsoluteDifference(images, 1, size, out _) < bound);
    }

    [NativeTheory]
    [InlineData("png", 3, 48)]
    [InlineData("png", 1, 48)]
    [InlineData("bmp", 3, 48)]
    [InlineData("gif", 3, 48)]
    [InlineData("jpeg", 3, 48)]
    [InlineData("jpeg", 1, 48)]
    [InlineData("png", 3, 100)]
    [InlineData("jpeg", 3, 20)]
    public void Other_formats_stay_close_to_stb(string format, int channels, int size)
    {
        // A smooth gradient with a sharp edge; GIF gets four flat colours.
        Func<int, int, (byte, byte, byte)> pixel = format == "gif"
            ? (x, y) => (x < 24 ? (byte)200 : (byte)30, y < 24 ? (byte)90 : (byte)220, 60)
            : (x, y) => ((byte)(x * 5), (byte)(y * 5), x + y < 48 ? (byte)30 : (byte)230);
        var images = Enumerable.Range(0, 4).Select(_ => (ReadOnlyMemory<byte>)EncodedImages.Encode(format, 48, 48, pixel)).ToList();

        Assert.True(MeanAbsoluteDifference(images, channels, size, out _) < 3.0);
    }
}
