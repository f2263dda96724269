using LabelLoop.Core.Samples;
using SkiaSharp;

namespace LabelLoop.Ml.Tests;

/// <summary>Test images made at test time: PNG, JPEG and WebP by Skia's encoders, BMP and GIF written by hand (Skia encodes neither).</summary>
internal static class EncodedImages
{
    public static byte[] Encode(string format, int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel) => format switch
    {
        "png" => Skia(SKEncodedImageFormat.Png, 100, width, height, pixel),
        "jpeg" => Skia(SKEncodedImageFormat.Jpeg, 100, width, height, pixel),
        // Skia encodes WebP losslessly at quality 100.
        "webp" => Skia(SKEncodedImageFormat.Webp, 100, width, height, pixel),
        "webp-lossy" => Skia(SKEncodedImageFormat.Webp, 80, width, height, pixel),
        "bmp" => ImageFiles.Bmp(width, height, pixel),
        "gif" => Gif(width, height, pixel),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    public static byte[] Skia(SKEncodedImageFormat format, int quality, int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                bitmap.SetPixel(x, y, new SKColor(r, g, b));
            }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>A GIF with one frame per pixel function (at most four distinct colours in all).</summary>
    public static byte[] Gif(int width, int height, params Func<int, int, (byte R, byte G, byte B)>[] frames)
    {
        var palette = new List<(byte, byte, byte)>();
        var indices = frames.Select(frame =>
        {
            var pixels = new byte[width * height];
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var colour = frame(x, y);
                    var index = palette.IndexOf(colour);
                    if (index < 0)
                    {
                        palette.Add(colour);
                        index = palette.Count - 1;
                    }
                    pixels[(y * width) + x] = (byte)index;
                }
            }
            return pixels;
        }).ToList();
        if (palette.Count > 4)
        {
            throw new ArgumentException("at most four colours", nameof(frames));
        }
        while (palette.Count < 4)
        {
            palette.Add((0, 0, 0));
        }

        using var gif = new MemoryStream();
        var w = new BinaryWriter(gif);
        w.Write("GIF89a"u8);
        w.Write((ushort)width);
        w.Write((ushort)height);
        w.Write((byte)0b1000_0001); // global colour table of 2^(1+1) = 4 entries
        w.Write((byte)0);
        w.Write((byte)0);
        foreach (var (r, g, b) in palette)
        {
            w.Write([r, g, b]);
        }
        foreach (var pixels in indices)
        {
            w.Write([0x21, 0xF9, 4, 0b0000_0100, 10, 0, 0, 0]); // graphic control: keep the frame, 0.1 s
            w.Write((byte)0x2C);
            w.Write((ushort)0);
            w.Write((ushort)0);
            w.Write((ushort)width);
            w.Write((ushort)height);
            w.Write((byte)0);
            w.Write((byte)2); // LZW minimum code size
            var lzw = Lzw(pixels);
            for (var at = 0; at < lzw.Length; at += 255)
            {
                var block = lzw.AsSpan(at, Math.Min(255, lzw.Length - at));
                w.Write((byte)block.Length);
                w.Write(block);
            }
            w.Write((byte)0);
        }
        w.Write((byte)0x3B);
        w.Flush();
        return gif.ToArray();
    }

    // 3-bit codes with a clear code before every two literals, so the code width never grows: 4 is clear, 5 is end.
    private static byte[] Lzw(byte[] pixels)
    {
        var output = new List<byte>();
        int buffer = 0, bits = 0;
        void Emit(int code)
        {
            buffer |= code << bits;
            bits += 3;
            while (bits >= 8)
            {
                output.Add((byte)buffer);
                buffer >>= 8;
                bits -= 8;
            }
        }
        for (var i = 0; i < pixels.Length; i++)
        {
            if (i % 2 == 0)
            {
                Emit(4);
            }
            Emit(pixels[i]);
        }
        Emit(5);
        if (bits > 0)
        {
            output.Add((byte)buffer);
        }
        return [.. output];
    }

    /// <summary>A PNG whose header declares <paramref name="width"/> x <paramref name="height"/> over a few bytes of pixel data.</summary>
    public static byte[] PngDeclaring(int width, int height)
    {
        var small = PngEncoder.EncodeGray8(new byte[16], 4, 4);
        using var png = new MemoryStream();
        png.Write(small.AsSpan(0, 8));
        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        PngEncoder.WriteChunk(png, "IHDR"u8, header);
        PngEncoder.WriteChunk(png, "IDAT"u8, [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]);
        PngEncoder.WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }
}
