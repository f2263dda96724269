namespace LabelLoop.Ml;

/// <summary>Managed-side size arithmetic for output buffers, before any tensor is made.</summary>
internal static class BufferSizes
{
    /// <summary>count x perItem x passes as an array length, or an <see cref="ArgumentException"/> when it cannot be one.</summary>
    internal static int Product(int count, int perItem, int passes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(perItem);
        ArgumentOutOfRangeException.ThrowIfNegative(passes);
        var total = (long)count * perItem * passes;
        if (total > Array.MaxLength)
        {
            throw new ArgumentException(
                $"{count} items x {perItem} values x {passes} passes = {total} floats exceeds the largest array ({Array.MaxLength}); split the batch.");
        }

        return (int)total;
    }

    /// <summary>Throws when a destination of <paramref name="actual"/> floats cannot hold <paramref name="needed"/>.</summary>
    internal static void RequireLength(int actual, int needed, string parameterName)
    {
        if (actual < needed)
        {
            throw new ArgumentException($"The destination holds {actual} floats but {needed} are needed.", parameterName);
        }
    }
}
