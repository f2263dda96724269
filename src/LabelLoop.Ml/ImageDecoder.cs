using LabelLoop.Ml.Native;

namespace LabelLoop.Ml;

/// <summary>Decodes whole batches of encoded images in the native library (stb_image).</summary>
/// <remarks>
/// Thread-safe: decoding keeps no state between calls. Each image is converted to the requested channel
/// count and stretched to a square; the output is planar (NCHW) floats in [0, 1], ready for
/// <see cref="ModelBatch.FromPixels"/>. A corrupt image fails the call with a
/// <see cref="LabelLoopNativeException"/> naming its index.
/// </remarks>
public static unsafe class ImageDecoder
{
    /// <summary>Decodes <paramref name="images"/> into a new array of images.Count x channels x size x size floats.</summary>
    /// <param name="images">The encoded files' bytes, one entry per image.</param>
    /// <param name="channels">1 (grayscale) or 3 (RGB).</param>
    /// <param name="size">Side of the square output in pixels.</param>
    public static float[] Decode(IReadOnlyList<ReadOnlyMemory<byte>> images, int channels, int size)
    {
        ArgumentNullException.ThrowIfNull(images);
        long total = 0;
        var lengths = new long[images.Count];
        for (var i = 0; i < images.Count; i++)
        {
            lengths[i] = images[i].Length;
            total += lengths[i];
        }

        if (total > Array.MaxLength)
        {
            throw new ArgumentException($"The images hold {total} bytes in all; decode them in smaller batches.", nameof(images));
        }

        var data = new byte[total];
        var offset = 0;
        foreach (var image in images)
        {
            image.Span.CopyTo(data.AsSpan(offset));
            offset += image.Length;
        }

        var output = new float[BufferSizes.Product(images.Count, Math.Max(0, channels) * Math.Max(0, size) * Math.Max(0, size), 1)];
        Decode(data, lengths, channels, size, output);
        return output;
    }

    /// <summary>Decodes images laid end to end in <paramref name="data"/> (image i is lengths[i] bytes) into <paramref name="destination"/>.</summary>
    /// <remarks>After a failure the contents of <paramref name="destination"/> are unspecified.</remarks>
    public static void Decode(ReadOnlySpan<byte> data, ReadOnlySpan<long> lengths, int channels, int size, Span<float> destination)
    {
        NativeLibraryLoader.EnsureLoaded();
        fixed (byte* d = data)
        fixed (long* l = lengths)
        fixed (float* o = destination)
        {
            LabelLoopNative.ll_image_decode(d, data.Length, l, lengths.Length, channels, size, o, destination.Length, out _).ThrowIfFailed();
        }
    }
}
