using System.Buffers.Binary;
using System.IO.Compression;
using LabelLoop.Core.Import;
using LabelLoop.Core.Samples;
using LabelLoop.Jobs.Import;
using LabelLoop.Testing;
using Xunit;

namespace LabelLoop.Jobs.Tests.Import;

public sealed class DecodingImageValidatorTests
{
    private static DecodingImageValidator Validator => new(new ImageHeaderValidator());

    [Fact]
    public void A_valid_png_passes_with_its_size()
    {
        var info = Validator.Validate(TestImages.Png(3, 6, 5));

        Assert.Equal(new ImageInfo("image/png", 6, 5, IsColour: false), info);
    }

    [Fact]
    public void A_colour_header_over_grey_pixels_is_grey_and_colour_pixels_are_colour()
    {
        var greyPixels = LabelLoop.Core.Samples.PngEncoder.EncodeRgb8([.. Enumerable.Range(0, 6 * 6 * 3).Select(i => (byte)(i / 3 * 7))], 6, 6);

        Assert.False(Validator.Validate(greyPixels).IsColour);
        Assert.True(Validator.Validate(TestImages.ColourPng(1, (40, 90, 200), 6, 6)).IsColour);
        Assert.False(Validator.Validate(TestImages.Png(1)).IsColour);
    }

    [Fact]
    public void A_png_whose_structure_is_sound_but_pixels_do_not_decode_is_refused_by_the_decoder()
    {
        // Right chunk CRCs and data length, but scanline filter type 9 (PNG defines 0 to 4).
        var png = PngWithFilterByte(9);
        new ImageHeaderValidator().Validate(png);

        var ex = Assert.Throws<InvalidImageException>(() => Validator.Validate(png));

        Assert.StartsWith("image cannot be decoded", ex.Message, StringComparison.Ordinal);
    }

    private static byte[] PngWithFilterByte(byte filter)
    {
        const int width = 4, height = 4;
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
        {
            for (var y = 0; y < height; y++)
            {
                z.WriteByte(filter);
                z.Write(new byte[width]);
            }
        }
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        PngEncoder.WriteChunk(png, "IHDR"u8, header);
        PngEncoder.WriteChunk(png, "IDAT"u8, raw.ToArray());
        PngEncoder.WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }
}
