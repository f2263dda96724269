using System.Buffers.Binary;
using System.IO.Compression;
using LabelLoop.Core.Import;

namespace LabelLoop.Core.Samples;

/// <summary>Encodes 8-bit grayscale or RGB pixels as a PNG (filter 0, zlib). Enough for sample data; no managed codec is in the registry.</summary>
public static class PngEncoder
{
    public static byte[] EncodeGray8(ReadOnlySpan<byte> pixels, int width, int height) => Encode(pixels, width, height, channels: 1);

    /// <summary>Encodes 8-bit RGB pixels (red, green, blue interleaved, row by row) as a colour PNG.</summary>
    public static byte[] EncodeRgb8(ReadOnlySpan<byte> pixels, int width, int height) => Encode(pixels, width, height, channels: 3);

    private static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        var stride = width * channels;
        if (pixels.Length != stride * height)
        {
            throw new ArgumentException($"expected {stride * height} values, got {pixels.Length}", nameof(pixels));
        }
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (var y = 0; y < height; y++)
            {
                z.WriteByte(0);
                z.Write(pixels.Slice(y * stride, stride));
            }
        }
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;   // bit depth
        header[9] = channels == 3 ? (byte)2 : (byte)0;   // truecolour or grayscale
        header[10] = 0;  // deflate
        header[11] = 0;  // adaptive filtering
        header[12] = 0;  // no interlace
        WriteChunk(png, "IHDR"u8, header);
        WriteChunk(png, "IDAT"u8, raw.GetBuffer().AsSpan(0, (int)raw.Length));
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    /// <summary>Writes one PNG chunk: its length, type, data and CRC-32 over type and data.</summary>
    public static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        var typeAndData = new byte[4 + data.Length];
        type.CopyTo(typeAndData);
        data.CopyTo(typeAndData.AsSpan(4));
        output.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.Compute(typeAndData));
        output.Write(crc);
    }
}
