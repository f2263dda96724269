using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace LabelLoop.Jobs.Pretraining;

/// <summary>
/// The embeddings of every item under one encoder version, cached beside its checkpoint: a small header, the
/// item ids, then items x dim floats (little-endian). Written to a temporary name and renamed, so a reader never
/// sees half a file.
/// </summary>
public sealed class EmbeddingFile
{
    private static readonly byte[] Magic = "LLEMB001"u8.ToArray();

    public EmbeddingFile(long[] itemIds, int dim, float[] values)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        if (values.Length != (long)itemIds.Length * dim)
        {
            throw new ArgumentException($"Expected {itemIds.Length} x {dim} values, got {values.Length}.", nameof(values));
        }
        ItemIds = itemIds;
        Dim = dim;
        Values = values;
    }

    public long[] ItemIds { get; }

    public int Dim { get; }

    public float[] Values { get; }

    /// <summary>Row index by item id.</summary>
    public Dictionary<long, int> Index()
    {
        var index = new Dictionary<long, int>(ItemIds.Length);
        for (var i = 0; i < ItemIds.Length; i++)
        {
            index[ItemIds[i]] = i;
        }
        return index;
    }

    public void Save(string path)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            Span<byte> header = stackalloc byte[16];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], ItemIds.Length);
            BinaryPrimitives.WriteInt32LittleEndian(header[12..], Dim);
            stream.Write(header);
            stream.Write(MemoryMarshal.AsBytes(ItemIds.AsSpan()));
            stream.Write(MemoryMarshal.AsBytes(Values.AsSpan()));
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <exception cref="InvalidDataException">The file is not an embedding file or is truncated.</exception>
    public static EmbeddingFile Load(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> header = stackalloc byte[16];
        stream.ReadExactly(header);
        if (!header[..8].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{path} is not an embedding file.");
        }
        var count = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        var dim = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        if (count < 0 || dim < 1 || stream.Length != 16 + (count * 8L) + ((long)count * dim * 4))
        {
            throw new InvalidDataException($"{path} is truncated or corrupt ({count} items x {dim}, {stream.Length} bytes).");
        }
        var ids = new long[count];
        var values = new float[(long)count * dim];
        stream.ReadExactly(MemoryMarshal.AsBytes(ids.AsSpan()));
        stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return new EmbeddingFile(ids, dim, values);
    }
}
