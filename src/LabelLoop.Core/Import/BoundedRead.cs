namespace LabelLoop.Core.Import;

/// <summary>Reads an import entry whole, stopping as soon as it passes a size limit.</summary>
internal static class BoundedRead
{
    /// <summary>The entry is longer than the limit; nothing past the limit was kept.</summary>
    public sealed class TooLongException(long maxBytes) : IOException($"content is over the {maxBytes}-byte limit")
    {
        public long MaxBytes { get; } = maxBytes;
    }

    /// <summary>
    /// The entry's bytes. The declared length can lie (a zip bomb) or be unknown (a stream), so the limit is enforced
    /// on what is actually read.
    /// </summary>
    public static byte[] ReadAll(ImportEntry entry, long maxBytes)
    {
        using var stream = entry.Open();
        using var buffer = new MemoryStream(entry.Length is > 0 and < int.MaxValue ? (int)Math.Min(entry.Length, maxBytes) : 4096);
        var chunk = new byte[81920];
        int n;
        while ((n = stream.Read(chunk)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > maxBytes)
            {
                throw new TooLongException(maxBytes);
            }
        }
        return buffer.ToArray();
    }
}
