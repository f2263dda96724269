using System.IO.Compression;
using System.Text;

namespace LabelLoop.Ml.Tests;

/// <summary>Writes tiny uncompressed BMP and PNG files, so decode tests need no image library.</summary>
internal static class ImageFiles
{
    /// <summary>A 24-bit BMP from rows of RGB bytes (top row first).</summary>
    public static byte[] Bmp(int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        var rowBytes = ((width * 3) + 3) & ~3;
        var size = 54 + (rowBytes * height);
        var bmp = new byte[size];
        var w = new BinaryWriter(new MemoryStream(bmp));
        w.Write((byte)'B');
        w.Write((byte)'M');
        w.Write(size);
        w.Write(0);
        w.Write(54);
        w.Write(40);
        w.Write(width);
        w.Write(height); // positive height: rows stored bottom-up
        w.Write((short)1);
        w.Write((short)24);
        w.Write(0);
        w.Write(rowBytes * height);
        w.Write(2835);
        w.Write(2835);
        w.Write(0);
        w.Write(0);
        for (var y = height - 1; y >= 0; y--)
        {
            var start = 54 + ((height - 1 - y) * rowBytes);
            for (var x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                bmp[start + (x * 3)] = b;
                bmp[start + (x * 3) + 1] = g;
                bmp[start + (x * 3) + 2] = r;
            }
        }

        return bmp;
    }

    /// <summary>An 8-bit RGB PNG.</summary>
    public static byte[] Png(int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        var raw = new MemoryStream();
        for (var y = 0; y < height; y++)
        {
            raw.WriteByte(0); // filter: none
            for (var x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                raw.Write([r, g, b]);
            }
        }

        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(raw.ToArray());
        }

        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        WriteBigEndian(header, 0, (uint)width);
        WriteBigEndian(header, 4, (uint)height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: RGB
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var length = new byte[4];
        WriteBigEndian(length, 0, (uint)data.Length);
        png.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        var crc = new byte[4];
        WriteBigEndian(crc, 0, Crc32(typed));
        png.Write(crc);
    }

    private static void WriteBigEndian(byte[] buffer, int offset, uint value)
    {
        buffer[offset] = (byte)(value >> 24);
        buffer[offset + 1] = (byte)(value >> 16);
        buffer[offset + 2] = (byte)(value >> 8);
        buffer[offset + 3] = (byte)value;
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
