using System.IO.Compression;
using System.Security.Cryptography;
using LabelLoop.Core.Samples;

namespace LabelLoop.Testing;

/// <summary>Small generated images and archives, so tests need no data files.</summary>
public static class TestImages
{
    /// <summary>A valid grayscale PNG whose pixels (and so whose hash) depend on <paramref name="seed"/>.</summary>
    public static byte[] Png(int seed, int width = 4, int height = 4)
    {
        var pixels = new byte[width * height];
        for (var i = 0; i < pixels.Length; i++)
        {
            // The first pixel gives the seed modulo 256 and the second its high byte: distinct for seeds up to 65,535.
            pixels[i] = (byte)(seed * 31 + i * 7 + (i == 1 ? seed >> 8 : 0));
        }
        return PngEncoder.EncodeGray8(pixels, width, height);
    }

    /// <summary>An RGB PNG filled with one colour, whose hash depends on <paramref name="seed"/> (one corner pixel varies).</summary>
    public static byte[] ColourPng(int seed, (byte R, byte G, byte B) colour, int width = 4, int height = 4)
    {
        var pixels = new byte[width * height * 3];
        for (var p = 0; p < width * height; p++)
        {
            (pixels[p * 3], pixels[(p * 3) + 1], pixels[(p * 3) + 2]) = colour;
        }
        pixels[0] = (byte)(colour.R ^ (seed & 0x3));
        pixels[^1] = (byte)(seed >> 2);
        return PngEncoder.EncodeRgb8(pixels, width, height);
    }

    /// <summary>A PNG with one byte of its image data flipped: the chunk CRC no longer matches.</summary>
    public static byte[] CorruptPng(int seed = 0)
    {
        var png = Png(seed);
        // Signature (8) + IHDR chunk (25) + IDAT length and type (8): the first IDAT data byte is at 41.
        png[42] ^= 0xFF;
        return png;
    }

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>A zip holding the entries, with their names exactly as given (unsafe names included).</summary>
    public static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
                stream.Write(content);
            }
        }
        return buffer.ToArray();
    }
}
