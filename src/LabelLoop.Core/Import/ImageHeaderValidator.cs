using System.Buffers.Binary;
using System.IO.Compression;

namespace LabelLoop.Core.Import;

/// <summary>
/// Structural validation of PNG, JPEG, GIF, BMP and WebP in managed code: signatures, sizes, PNG chunk CRCs and
/// the inflated PNG data length, JPEG end marker, GIF trailer, BMP pixel array bounds, WebP's RIFF length and frame
/// header. It catches truncated and corrupt files without a pixel decoder; the import then decodes each image too.
/// </summary>
public sealed class ImageHeaderValidator(int maxSide = 8192) : IImageValidator
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public ImageInfo Validate(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 8)
        {
            throw new InvalidImageException("file is too short to be an image");
        }
        var info = bytes switch
        {
            _ when bytes.StartsWith(PngSignature) => ValidatePng(bytes),
            _ when bytes[0] == 0xFF && bytes[1] == 0xD8 => ValidateJpeg(bytes),
            _ when bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8) => ValidateGif(bytes),
            _ when bytes.StartsWith("BM"u8) => ValidateBmp(bytes),
            _ when bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8) => ValidateWebp(bytes),
            _ => throw new InvalidImageException("not a PNG, JPEG, GIF, BMP or WebP image (unknown signature)"),
        };
        if (info.Width <= 0 || info.Height <= 0)
        {
            throw new InvalidImageException($"invalid image size {info.Width}x{info.Height}");
        }
        if (info.Width > maxSide || info.Height > maxSide)
        {
            throw new InvalidImageException($"image is {info.Width}x{info.Height}, larger than the {maxSide}-pixel limit");
        }
        return info;
    }

    private static ImageInfo ValidatePng(ReadOnlySpan<byte> bytes)
    {
        var pos = 8;
        int width = 0, height = 0, bitDepth = 0, colorType = 0, interlace = 0;
        var sawEnd = false;
        bool? paletteColour = null;
        using var idat = new MemoryStream();
        while (pos < bytes.Length)
        {
            if (pos + 12 > bytes.Length)
            {
                throw new InvalidImageException("PNG is truncated inside a chunk header");
            }
            var length = BinaryPrimitives.ReadUInt32BigEndian(bytes[pos..]);
            if (length > int.MaxValue || pos + 12 + (long)length > bytes.Length)
            {
                throw new InvalidImageException("PNG is truncated (a chunk runs past the end of the file)");
            }
            var typeAndData = bytes.Slice(pos + 4, 4 + (int)length);
            var type = typeAndData[..4];
            var data = typeAndData[4..];
            var crc = BinaryPrimitives.ReadUInt32BigEndian(bytes[(pos + 8 + (int)length)..]);
            if (Crc32.Compute(typeAndData) != crc)
            {
                throw new InvalidImageException($"PNG chunk '{System.Text.Encoding.ASCII.GetString(type)}' has a bad CRC (corrupt file)");
            }
            if (pos == 8)
            {
                if (!type.SequenceEqual("IHDR"u8) || length != 13)
                {
                    throw new InvalidImageException("PNG does not start with an IHDR chunk");
                }
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                bitDepth = data[8];
                colorType = data[9];
                interlace = data[12];
            }
            else if (type.SequenceEqual("IDAT"u8))
            {
                idat.Write(data);
            }
            else if (type.SequenceEqual("PLTE"u8))
            {
                paletteColour = HasColourEntry(data);
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                sawEnd = true;
                break;
            }
            pos += 12 + (int)length;
        }
        if (!sawEnd)
        {
            throw new InvalidImageException("PNG is truncated (no IEND chunk)");
        }
        var channels = colorType switch
        {
            0 => 1,
            2 => 3,
            3 => 1,
            4 => 2,
            6 => 4,
            _ => throw new InvalidImageException($"PNG has an invalid colour type {colorType}"),
        };
        if (bitDepth is not (1 or 2 or 4 or 8 or 16) || width <= 0 || height <= 0)
        {
            throw new InvalidImageException($"PNG header is invalid ({width}x{height}, bit depth {bitDepth})");
        }
        if (width <= 8192 && height <= 8192)
        {
            CheckPngDataLength(idat, width, height, channels * bitDepth, interlace == 1);
        }
        // Grey and grey-with-alpha PNGs are grey; a palette is grey when every entry is.
        var colour = colorType switch
        {
            0 or 4 => false,
            3 => paletteColour,
            _ => true,
        };
        return new ImageInfo("image/png", width, height, colour);
    }

    private static bool HasColourEntry(ReadOnlySpan<byte> palette)
    {
        for (var i = 0; i + 2 < palette.Length; i += 3)
        {
            if (palette[i] != palette[i + 1] || palette[i + 1] != palette[i + 2])
            {
                return true;
            }
        }
        return false;
    }

    private static void CheckPngDataLength(MemoryStream idat, int width, int height, int bitsPerPixel, bool interlaced)
    {
        long expected = 0;
        if (interlaced)
        {
            // Adam7 passes: (x start, y start, x step, y step).
            ReadOnlySpan<int> passes = [0, 0, 8, 8, 4, 0, 8, 8, 0, 4, 4, 8, 2, 0, 4, 4, 0, 2, 2, 4, 1, 0, 2, 2, 0, 1, 1, 2];
            for (var p = 0; p < 7; p++)
            {
                long w = (width - passes[p * 4] + passes[p * 4 + 2] - 1) / passes[p * 4 + 2];
                long h = (height - passes[p * 4 + 1] + passes[p * 4 + 3] - 1) / passes[p * 4 + 3];
                if (w > 0 && h > 0)
                {
                    expected += h * (1 + (w * bitsPerPixel + 7) / 8);
                }
            }
        }
        else
        {
            expected = height * (1 + ((long)width * bitsPerPixel + 7) / 8);
        }
        idat.Position = 0;
        long actual = 0;
        try
        {
            using var z = new ZLibStream(idat, CompressionMode.Decompress, leaveOpen: true);
            var buffer = new byte[16384];
            int n;
            while ((n = z.Read(buffer)) > 0)
            {
                actual += n;
                if (actual > expected)
                {
                    break;
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidImageException("PNG image data is corrupt (deflate stream is invalid)", ex);
        }
        if (actual < expected)
        {
            throw new InvalidImageException($"PNG image data is truncated ({actual} of {expected} bytes)");
        }
    }

    private static ImageInfo ValidateJpeg(ReadOnlySpan<byte> bytes)
    {
        var pos = 2;
        int width = 0, height = 0;
        bool? colour = null;
        while (pos + 4 <= bytes.Length)
        {
            if (bytes[pos] != 0xFF)
            {
                throw new InvalidImageException("JPEG marker structure is corrupt");
            }
            var marker = bytes[pos + 1];
            if (marker == 0xFF)
            {
                pos++;
                continue;
            }
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                pos += 2;
                continue;
            }
            var segLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[(pos + 2)..]);
            if (segLength < 2 || pos + 2 + segLength > bytes.Length)
            {
                throw new InvalidImageException("JPEG is truncated inside a segment");
            }
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (segLength < 7)
                {
                    throw new InvalidImageException("JPEG frame header is too short");
                }
                height = BinaryPrimitives.ReadUInt16BigEndian(bytes[(pos + 5)..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(bytes[(pos + 7)..]);
                // One component is greyscale; three (YCbCr) or four (CMYK) are colour.
                colour = segLength >= 8 ? bytes[pos + 9] > 1 : null;
            }
            if (marker == 0xDA)
            {
                break;
            }
            pos += 2 + segLength;
        }
        if (width == 0 || height == 0)
        {
            throw new InvalidImageException("JPEG has no frame header (SOF) before the image data");
        }
        var tail = bytes[^Math.Min(bytes.Length, 64)..];
        if (tail.LastIndexOf((byte)0xFF) < 0 || !ContainsEoi(tail))
        {
            throw new InvalidImageException("JPEG is truncated (no end-of-image marker)");
        }
        return new ImageInfo("image/jpeg", width, height, colour);
    }

    private static bool ContainsEoi(ReadOnlySpan<byte> tail)
    {
        for (var i = tail.Length - 2; i >= 0; i--)
        {
            if (tail[i] == 0xFF && tail[i + 1] == 0xD9)
            {
                return true;
            }
        }
        return false;
    }

    private static ImageInfo ValidateGif(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 14)
        {
            throw new InvalidImageException("GIF is truncated");
        }
        var width = BinaryPrimitives.ReadUInt16LittleEndian(bytes[6..]);
        var height = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
        if (bytes[^1] != 0x3B)
        {
            throw new InvalidImageException("GIF is truncated (no trailer)");
        }
        return new ImageInfo("image/gif", width, height);
    }

    /// <summary>
    /// WebP: a RIFF container whose length must fit the file, then a lossy (<c>VP8 </c>), lossless (<c>VP8L</c>) or
    /// extended (<c>VP8X</c>) first chunk carrying the size.
    /// </summary>
    private static ImageInfo ValidateWebp(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 30)
        {
            throw new InvalidImageException("WebP is truncated");
        }
        var riffLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]);
        if (riffLength + 8L > bytes.Length)
        {
            throw new InvalidImageException("WebP is truncated (the RIFF length runs past the end of the file)");
        }
        var chunk = bytes[12..16];
        var data = bytes[20..];
        if (chunk.SequenceEqual("VP8 "u8))
        {
            if (data[3] != 0x9D || data[4] != 0x01 || data[5] != 0x2A)
            {
                throw new InvalidImageException("WebP lossy frame has no start code");
            }
            return new ImageInfo("image/webp", BinaryPrimitives.ReadUInt16LittleEndian(data[6..]) & 0x3FFF,
                BinaryPrimitives.ReadUInt16LittleEndian(data[8..]) & 0x3FFF);
        }
        if (chunk.SequenceEqual("VP8L"u8))
        {
            if (data[0] != 0x2F)
            {
                throw new InvalidImageException("WebP lossless frame has no signature");
            }
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(data[1..]);
            return new ImageInfo("image/webp", (int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
        }
        if (chunk.SequenceEqual("VP8X"u8))
        {
            var width = data[4] | (data[5] << 8) | (data[6] << 16);
            var height = data[7] | (data[8] << 8) | (data[9] << 16);
            return new ImageInfo("image/webp", width + 1, height + 1);
        }
        throw new InvalidImageException("WebP has no VP8, VP8L or VP8X image chunk");
    }

    private static ImageInfo ValidateBmp(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 26)
        {
            throw new InvalidImageException("BMP is truncated");
        }
        var dataOffset = BinaryPrimitives.ReadUInt32LittleEndian(bytes[10..]);
        var headerSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes[14..]);
        int width, height, bpp;
        if (headerSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(bytes[18..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(bytes[20..]);
            bpp = BinaryPrimitives.ReadUInt16LittleEndian(bytes[24..]);
        }
        else if (headerSize >= 40 && bytes.Length >= 30)
        {
            width = BinaryPrimitives.ReadInt32LittleEndian(bytes[18..]);
            height = Math.Abs(BinaryPrimitives.ReadInt32LittleEndian(bytes[22..]));
            bpp = BinaryPrimitives.ReadUInt16LittleEndian(bytes[28..]);
            var compression = BinaryPrimitives.ReadUInt32LittleEndian(bytes[30..]);
            if (compression != 0 && compression != 3)
            {
                // Run-length encoded BMPs have no fixed size to check.
                return new ImageInfo("image/bmp", width, height);
            }
        }
        else
        {
            throw new InvalidImageException($"BMP has an unsupported header size {headerSize}");
        }
        if (bpp is not (1 or 4 or 8 or 16 or 24 or 32) || width <= 0 || width > 65535 || height > 65535)
        {
            throw new InvalidImageException($"BMP header is invalid ({width}x{height}, {bpp} bits per pixel)");
        }
        var rowBytes = ((long)width * bpp + 31) / 32 * 4;
        if (dataOffset + rowBytes * height > bytes.Length)
        {
            throw new InvalidImageException("BMP is truncated (pixel data runs past the end of the file)");
        }
        return new ImageInfo("image/bmp", width, height);
    }
}
