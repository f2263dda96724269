using System.Buffers.Binary;
using LabelLoop.Core.Import;
using LabelLoop.Core.Samples;
using Xunit;

namespace LabelLoop.Core.Tests.Import;

public sealed class ImageHeaderValidatorTests
{
    private readonly ImageHeaderValidator _validator = new();

    [Fact]
    public void A_png_from_the_encoder_is_valid_and_reports_its_size()
    {
        var info = _validator.Validate(TestFiles.Png(1, width: 5, height: 3));

        Assert.Equal(new ImageInfo("image/png", 5, 3, IsColour: false), info);
    }

    [Fact]
    public void A_truncated_png_is_rejected()
    {
        var png = TestFiles.Png(1);

        var ex = Assert.Throws<InvalidImageException>(() => _validator.Validate(png.AsSpan(0, png.Length - 20)));

        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_png_cut_before_its_end_chunk_is_rejected()
    {
        var png = TestFiles.Png(1);

        // IEND is the last 12 bytes: everything before it is intact.
        var ex = Assert.Throws<InvalidImageException>(() => _validator.Validate(png.AsSpan(0, png.Length - 12)));

        Assert.Contains("no IEND", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_flipped_byte_in_png_data_fails_the_chunk_crc()
    {
        var png = TestFiles.Png(1);
        png[42] ^= 0x01;

        var ex = Assert.Throws<InvalidImageException>(() => _validator.Validate(png));

        Assert.Contains("'IDAT' has a bad CRC", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_jpeg_with_its_end_marker_is_valid()
    {
        var info = _validator.Validate(Jpeg(width: 12, height: 7, withEndMarker: true));

        Assert.Equal(new ImageInfo("image/jpeg", 12, 7, IsColour: false), info);
    }

    [Fact]
    public void A_jpeg_without_its_end_marker_is_rejected()
    {
        var ex = Assert.Throws<InvalidImageException>(() => _validator.Validate(Jpeg(width: 12, height: 7, withEndMarker: false)));

        Assert.Contains("no end-of-image marker", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gif_with_its_trailer_is_valid()
    {
        var info = _validator.Validate(Gif(width: 9, height: 4, withTrailer: true));

        Assert.Equal(new ImageInfo("image/gif", 9, 4), info);
    }

    [Fact]
    public void A_gif_without_its_trailer_is_rejected()
    {
        var ex = Assert.Throws<InvalidImageException>(() => _validator.Validate(Gif(width: 9, height: 4, withTrailer: false)));

        Assert.Contains("no trailer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_with_an_unknown_signature_are_rejected()
    {
        var ex = Assert.Throws<InvalidImageException>(() => _validator.Validate("just some text, not a picture"u8));

        Assert.Contains("unknown signature", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_shorter_than_any_signature_is_rejected()
    {
        Assert.Throws<InvalidImageException>(() => _validator.Validate([0x89, 0x50]));
    }

    [Fact]
    public void An_image_wider_than_the_default_limit_is_rejected()
    {
        var ex = Assert.Throws<InvalidImageException>(() => _validator.Validate(TestFiles.Png(1, width: 8193, height: 1)));

        Assert.Contains("8193x1, larger than the 8192-pixel limit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_size_limit_is_configurable()
    {
        var strict = new ImageHeaderValidator(maxSide: 16);

        Assert.Throws<InvalidImageException>(() => strict.Validate(TestFiles.Png(1, width: 8, height: 17)));
        Assert.Equal(16, strict.Validate(TestFiles.Png(1, width: 16, height: 16)).Width);
    }

    [Fact]
    public void Headers_tell_colour_images_from_grey_ones()
    {
        var rgb = LabelLoop.Core.Samples.PngEncoder.EncodeRgb8(new byte[2 * 2 * 3], 2, 2);

        Assert.True(_validator.Validate(rgb).IsColour);
        Assert.False(_validator.Validate(PalettePng([10, 10, 10, 200, 200, 200])).IsColour);
        Assert.True(_validator.Validate(PalettePng([10, 10, 10, 200, 20, 20])).IsColour);
        Assert.True(_validator.Validate(Jpeg(8, 8, withEndMarker: true, components: 3)).IsColour);
        Assert.Null(_validator.Validate(Gif(3, 2, withTrailer: true)).IsColour);
    }

    /// <summary>A 2x2 palette PNG (8-bit indices, all 0) with the given RGB palette entries.</summary>
    private static byte[] PalettePng(byte[] palette)
    {
        using var raw = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(raw, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(new byte[2 * (1 + 2)]);
        }
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, 2);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 2);
        header[8] = 8;
        header[9] = 3;
        PngEncoder.WriteChunk(png, "IHDR"u8, header);
        PngEncoder.WriteChunk(png, "PLTE"u8, palette);
        PngEncoder.WriteChunk(png, "IDAT"u8, raw.ToArray());
        PngEncoder.WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    /// <summary>SOI, a baseline frame header, a scan header, scan bytes and optionally EOI.</summary>
    private static byte[] Jpeg(int width, int height, bool withEndMarker, int components = 1)
    {
        var bytes = new List<byte> { 0xFF, 0xD8 };
        // SOF0: length 8 + 3 per component, precision 8, height, width, the components (id, sampling 0x11, table 0).
        bytes.AddRange([0xFF, 0xC0, 0x00, (byte)(8 + (3 * components)), 0x08]);
        bytes.AddRange(BigEndian16(height));
        bytes.AddRange(BigEndian16(width));
        bytes.Add((byte)components);
        for (var c = 1; c <= components; c++)
        {
            bytes.AddRange([(byte)c, 0x11, 0x00]);
        }
        // SOS: length 8, one component, spectral selection 0-63, approximation 0.
        bytes.AddRange([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        bytes.AddRange(Enumerable.Repeat((byte)0x12, 80));
        if (withEndMarker)
        {
            bytes.AddRange([0xFF, 0xD9]);
        }
        return [.. bytes];
    }

    private static byte[] Gif(int width, int height, bool withTrailer)
    {
        var bytes = new List<byte>("GIF89a"u8.ToArray());
        var size = new byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(size, (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(size.AsSpan(2), (ushort)height);
        bytes.AddRange(size);
        // No global colour table, background 0, aspect 0, then an image descriptor and a tiny LZW block.
        bytes.AddRange([0x00, 0x00, 0x00]);
        bytes.AddRange([0x2C, 0, 0, 0, 0, (byte)width, 0, (byte)height, 0, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00]);
        if (withTrailer)
        {
            bytes.Add(0x3B);
        }
        return [.. bytes];
    }

    private static byte[] BigEndian16(int value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)value);
        return bytes;
    }

    [Fact]
    public void A_lossless_webp_reports_its_size()
    {
        var info = _validator.Validate(Webp("VP8L"u8, LosslessHeader(width: 300, height: 17)));

        Assert.Equal(("image/webp", 300, 17), (info.MediaType, info.Width, info.Height));
    }

    [Fact]
    public void An_extended_webp_reports_its_canvas_size()
    {
        // Flags and reserved bytes, then the canvas width and height minus one, 24 bits each.
        byte[] header = [0x10, 0, 0, 0, 0x3F, 0x01, 0, 0x1F, 0, 0];

        var info = _validator.Validate(Webp("VP8X"u8, header));

        Assert.Equal(("image/webp", 320, 32), (info.MediaType, info.Width, info.Height));
    }

    [Fact]
    public void A_webp_shorter_than_its_riff_length_is_rejected()
    {
        var webp = Webp("VP8L"u8, LosslessHeader(8, 8));

        var ex = Assert.Throws<InvalidImageException>(() => _validator.Validate(webp.AsSpan(0, webp.Length - 4)));

        Assert.Contains("WebP is truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_webp_without_an_image_chunk_is_rejected()
    {
        var ex = Assert.Throws<InvalidImageException>(() => _validator.Validate(Webp("ICCP"u8, new byte[16])));

        Assert.Contains("no VP8, VP8L or VP8X", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_webp_larger_than_the_side_limit_is_rejected()
    {
        var ex = Assert.Throws<InvalidImageException>(() => new ImageHeaderValidator(maxSide: 256).Validate(Webp("VP8L"u8, LosslessHeader(300, 17))));

        Assert.Contains("larger than the 256-pixel limit", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>The VP8L signature and the 14-bit width and height minus one; enough for the header check.</summary>
    private static byte[] LosslessHeader(int width, int height)
    {
        var header = new byte[16];
        header[0] = 0x2F;
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(1), (uint)((width - 1) | ((height - 1) << 14)));
        return header;
    }

    /// <summary>A RIFF/WEBP container with one chunk.</summary>
    private static byte[] Webp(ReadOnlySpan<byte> fourCc, byte[] data)
    {
        var file = new byte[20 + data.Length];
        "RIFF"u8.CopyTo(file);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), (uint)(file.Length - 8));
        "WEBP"u8.CopyTo(file.AsSpan(8));
        fourCc.CopyTo(file.AsSpan(12));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(16), (uint)data.Length);
        data.CopyTo(file.AsSpan(20));
        return file;
    }
}
