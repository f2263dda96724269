namespace LabelLoop.Ml.Tests;

/// <summary><see cref="ImageDecoder"/> alone: it needs no native library.</summary>
public sealed class ManagedImageDecoderTests
{
    private static (byte, byte, byte) LeftRedRightBlue(int x, int y) => x < 4 ? ((byte)255, (byte)0, (byte)0) : ((byte)0, (byte)0, (byte)255);

    private static ModelEngineException Fails(params byte[][] images)
    {
        var e = Assert.Throws<ModelEngineException>(() => ImageDecoder.Decode([.. images.Select(i => (ReadOnlyMemory<byte>)i)], 3, 8));
        Assert.Equal(EngineStatus.InvalidArgument, e.Status);
        return e;
    }

    [Theory]
    [InlineData("png", 0.002)]
    [InlineData("bmp", 0.002)]
    [InlineData("gif", 0.002)]
    [InlineData("webp", 0.002)]
    [InlineData("webp-lossy", 0.1)]
    [InlineData("jpeg", 0.1)]
    public void Each_format_decodes_to_its_pixels(string format, double tolerance)
    {
        var image = EncodedImages.Encode(format, 8, 8, LeftRedRightBlue);

        var pixels = ImageDecoder.Decode([image], channels: 3, size: 8);

        Assert.Equal(3 * 64, pixels.Length);
        // Away from the edge between the halves, where lossy formats blur.
        foreach (var (x, y) in new[] { (0, 0), (1, 5), (6, 2), (7, 7) })
        {
            var p = (y * 8) + x;
            var (r, g, b) = LeftRedRightBlue(x, y);
            Assert.Equal(r / 255.0, pixels[p], tolerance);
            Assert.Equal(g / 255.0, pixels[64 + p], tolerance);
            Assert.Equal(b / 255.0, pixels[128 + p], tolerance);
        }
    }

    [Fact]
    public void Grey_is_stb_integer_luma_of_the_colour_values()
    {
        var png = EncodedImages.Encode("png", 2, 2, (_, _) => (200, 100, 50));

        var pixels = ImageDecoder.Decode([png], channels: 1, size: 2);

        // (77 * 200 + 150 * 100 + 29 * 50) >> 8 = 124
        Assert.All(pixels, p => Assert.Equal(124 * (1f / 255f), p));
    }

    [Fact]
    public void A_gif_gives_its_first_frame()
    {
        var gif = EncodedImages.Gif(6, 6, (_, _) => (255, 0, 0), (_, _) => (0, 0, 255));

        var pixels = ImageDecoder.Decode([gif], channels: 3, size: 6);

        Assert.All(pixels.AsSpan(0, 36).ToArray(), p => Assert.Equal(1f, p));
        Assert.All(pixels.AsSpan(72, 36).ToArray(), p => Assert.Equal(0f, p));
    }

    [Fact]
    public void Images_are_stretched_to_the_square_without_keeping_the_aspect_ratio()
    {
        // 16x4: left half red, right half blue; stretched, the halves still split the square down the middle.
        var png = EncodedImages.Encode("png", 16, 4, (x, _) => x < 8 ? ((byte)255, (byte)0, (byte)0) : ((byte)0, (byte)0, (byte)255));

        var pixels = ImageDecoder.Decode([png], channels: 3, size: 8);

        for (var y = 0; y < 8; y++)
        {
            Assert.Equal(1f, pixels[(y * 8) + 0], 2);
            Assert.Equal(1f, pixels[128 + (y * 8) + 7], 2);
        }
    }

    [Fact]
    public void A_truncated_image_is_reported_by_index()
    {
        var random = new Random(3);
        var png = EncodedImages.Encode("png", 64, 64, (_, _) => ((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
        var good = EncodedImages.Encode("png", 4, 4, LeftRedRightBlue);

        var e = Fails(good, png[..(png.Length * 3 / 4)]);

        Assert.Equal("image 1 is a truncated PNG file (its pixel data ends early)", e.EngineMessage);
    }

    [Fact]
    public void A_corrupt_image_is_reported_by_index()
    {
        var good = EncodedImages.Encode("png", 4, 4, LeftRedRightBlue);
        var corrupt = (byte[])good.Clone();
        corrupt.AsSpan(8).Fill(0x5A);

        var e = Fails(good, good, corrupt);

        Assert.Equal("image 2 is a corrupt PNG file (its header cannot be read)", e.EngineMessage);
    }

    [Fact]
    public void A_zero_byte_image_is_reported_by_index()
    {
        var good = EncodedImages.Encode("png", 4, 4, LeftRedRightBlue);

        var e = Fails(good, []);

        Assert.Equal("image 1 has length 0; every image needs at least one byte", e.EngineMessage);
    }

    [Fact]
    public void An_unsupported_format_is_reported_by_index()
    {
        var good = EncodedImages.Encode("png", 4, 4, LeftRedRightBlue);
        byte[] tiff = [(byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0, 0, 0];

        var e = Fails(good, tiff);

        Assert.Equal("image 1 is not a PNG, JPEG, BMP, GIF or WebP file (it starts with 49492A0008000000...)", e.EngineMessage);
    }

    [Fact]
    public void A_huge_declared_size_is_refused_from_the_header_before_any_pixel_is_allocated()
    {
        // 10^10 pixels: allocating them (40 GB as RGBA) would fail with out of memory, not with this message.
        var e = Fails(EncodedImages.Encode("png", 4, 4, LeftRedRightBlue), EncodedImages.PngDeclaring(100_000, 100_000));

        Assert.Equal("image 1 is 100000x100000 pixels; the limit is 268435456 pixels", e.EngineMessage);
    }

    [Fact]
    public void The_lowest_failing_index_is_reported_whatever_the_scheduling()
    {
        var good = EncodedImages.Encode("png", 4, 4, LeftRedRightBlue);
        var images = Enumerable.Repeat(good, 200).ToArray();
        images[150] = [1, 2, 3];
        images[37] = [(byte)'B', (byte)'M', 0];

        var e = Fails(images);

        Assert.StartsWith("image 37 ", e.EngineMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Concurrent_calls_give_the_same_pixels_as_one_call()
    {
        var random = new Random(5);
        var images = Enumerable.Range(0, 40)
            .Select(i => (ReadOnlyMemory<byte>)EncodedImages.Encode(i % 2 == 0 ? "png" : "jpeg", 10 + i, 30 - (i / 2), (_, _) => ((byte)random.Next(256), (byte)i, 7)))
            .ToArray();
        var expected = ImageDecoder.Decode(images, 3, 12);

        var results = new float[8][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t => results[t] = ImageDecoder.Decode(images, 3, 12));

        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void Bad_arguments_are_refused_before_decoding()
    {
        var good = EncodedImages.Encode("png", 4, 4, LeftRedRightBlue);

        Assert.Contains("channels is 2", Assert.Throws<ModelEngineException>(() => ImageDecoder.Decode([good], 2, 8)).EngineMessage, StringComparison.Ordinal);
        Assert.Contains("size is 0", Assert.Throws<ModelEngineException>(() => ImageDecoder.Decode([good], 1, 0)).EngineMessage, StringComparison.Ordinal);
        Assert.Contains("out holds 10 floats", Assert.Throws<ModelEngineException>(
            () => ImageDecoder.Decode(good, [good.Length], 1, 8, new float[10])).EngineMessage, StringComparison.Ordinal);
    }
}
