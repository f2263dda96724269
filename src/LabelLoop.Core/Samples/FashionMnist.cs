using System.Buffers.Binary;
using System.IO.Compression;

namespace LabelLoop.Core.Samples;

/// <summary>
/// Reads Fashion-MNIST from the IDX files of Debian's <c>dataset-fashion-mnist</c> package and yields each
/// image as a 28x28 grayscale PNG with its class folder name.
/// </summary>
public static class FashionMnist
{
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Folder names for classes 0-9, in the dataset's order (Xiao, Rasul and Vollgraf, 2017).</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["t-shirt-top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"];

    /// <summary>One sample image.</summary>
    public sealed record Image(string Split, int Index, string Label, byte[] Png);

    /// <summary>The 10,000-image test split (the default sample), or all 70,000 when <paramref name="full"/>.</summary>
    public static IEnumerable<Image> Read(string directory, bool full)
    {
        var splits = full ? new[] { ("train", "train"), ("test", "t10k") } : [("test", "t10k")];
        foreach (var (split, prefix) in splits)
        {
            var images = ReadIdx(Path.Combine(directory, $"{prefix}-images-idx3-ubyte.gz"), 2051, out var dims);
            var labels = ReadIdx(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte.gz"), 2049, out _);
            int count = dims[0], rows = dims[1], cols = dims[2];
            if (labels.Length != count)
            {
                throw new InvalidDataException($"{prefix}: {count} images but {labels.Length} labels");
            }
            for (var i = 0; i < count; i++)
            {
                var png = PngEncoder.EncodeGray8(images.AsSpan(i * rows * cols, rows * cols), cols, rows);
                yield return new Image(split, i, ClassNames[labels[i]], png);
            }
        }
    }

    /// <summary>Whether the Debian package's files are present.</summary>
    public static bool IsAvailable(string directory) =>
        File.Exists(Path.Combine(directory, "t10k-images-idx3-ubyte.gz")) && File.Exists(Path.Combine(directory, "t10k-labels-idx1-ubyte.gz"));

    private static byte[] ReadIdx(string path, int magic, out int[] dims)
    {
        using var file = File.OpenRead(path);
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gz.CopyTo(buffer);
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (BinaryPrimitives.ReadInt32BigEndian(bytes) != magic)
        {
            throw new InvalidDataException($"{path} is not an IDX file with magic {magic}");
        }
        var rank = magic & 0xFF;
        dims = new int[rank];
        for (var d = 0; d < rank; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(bytes[(4 + 4 * d)..]);
        }
        return bytes[(4 + 4 * rank)..].ToArray();
    }
}
