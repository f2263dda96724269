using System.IO.Compression;
using System.Text;
using LabelLoop.Core.Import;
using LabelLoop.Core.Samples;

namespace LabelLoop.Core.Tests;

/// <summary>Import entries and images built in memory.</summary>
internal static class TestFiles
{
    public static byte[] Png(int seed, int width = 4, int height = 4)
    {
        var pixels = new byte[width * height];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(seed * 31 + i * 7);
        }
        return PngEncoder.EncodeGray8(pixels, width, height);
    }

    public static ImportEntry Entry(string path, byte[] content) =>
        new(path, content.Length, () => new MemoryStream(content, writable: false));

    public static ImportEntry TextEntry(string path, string content) => Entry(path, Encoding.UTF8.GetBytes(content));

    public static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = zip.CreateEntry(name).Open();
                stream.Write(content);
            }
        }
        return buffer.ToArray();
    }
}
