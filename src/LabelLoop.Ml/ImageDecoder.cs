using System.Globalization;
using System.Runtime.InteropServices;
using SkiaSharp;

namespace LabelLoop.Ml;

/// <summary>Decodes whole batches of encoded images (PNG, JPEG, BMP, GIF, WebP) with SkiaSharp.</summary>
/// <remarks>
/// <para>
/// Thread-safe: decoding keeps no state between calls, and every Skia object lives only inside one image's decode.
/// Each image is converted to the requested channel count and stretched to a square (the aspect ratio is not kept);
/// the output is planar (NCHW) floats in [0, 1], ready for <see cref="ModelBatch.FromPixels"/>. A bad image fails
/// the call with a <see cref="ModelEngineException"/> (<see cref="EngineStatus.InvalidArgument"/>) naming the
/// lowest failing index and the problem.
/// </para>
/// <para>
/// The output follows the stb_image decoder of earlier versions, so models trained then see the same pixels: grey is
/// (77 R + 150 G + 29 B) &gt;&gt; 8 of the 8-bit colour values, alpha is dropped without compositing, embedded colour
/// profiles are ignored, GIFs give their first frame, and the channel conversion happens before resizing. Resizing
/// uses Skia's filters closest to stb_image_resize's: Catmull-Rom when enlarging (the same filter), and when
/// shrinking, where stb widens its Mitchell filter by the factor and Skia cannot, the closest of Skia's filters
/// for the factor (see <c>Sampling</c>).
/// </para>
/// </remarks>
public static unsafe class ImageDecoder
{
    /// <summary>The most pixels (width x height) an image may declare; larger ones are refused before any pixel is allocated.</summary>
    public const long MaxPixels = 1L << 28;

    /// <summary>The largest output side.</summary>
    public const int MaxSize = 4096;

    private const string Formats = "PNG, JPEG, BMP, GIF or WebP";

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
        Require(lengths.Length > 0, $"n_images is {lengths.Length}; a batch needs at least one image");
        Require(channels is 1 or 3, $"channels is {channels}; expected 1 or 3");
        Require(size is >= 1 and <= MaxSize, $"size is {size}; expected 1..{MaxSize}");
        var offsets = new long[lengths.Length];
        long total = 0;
        for (var i = 0; i < lengths.Length; i++)
        {
            Require(lengths[i] > 0, $"image {i} has length {lengths[i]}; every image needs at least one byte");
            offsets[i] = total;
            total += lengths[i];
            Require(total <= data.Length, $"the image lengths add up to more than n_bytes ({data.Length})");
        }
        Require(total == data.Length, $"the image lengths add up to {total} but n_bytes is {data.Length}");
        var perImage = channels * size * size;
        var needed = (long)perImage * lengths.Length;
        Require(destination.Length >= needed,
            $"out holds {destination.Length} floats but {lengths.Length} images x {channels}x{size}x{size} need {needed}");

        var count = lengths.Length;
        string? firstError = null;
        var firstBad = count;
        var gate = new object();
        fixed (byte* d = data)
        fixed (float* o = destination)
        {
            // Spans cannot enter the workers' lambda; the addresses stay pinned until Parallel.For returns.
            var dataAddress = (nint)d;
            var outAddress = (nint)o;
            var lengthArray = lengths.ToArray();
            void DecodeAt(int i)
            {
                string? error;
                try
                {
                    var bytes = new ReadOnlySpan<byte>((byte*)dataAddress + offsets[i], checked((int)lengthArray[i]));
                    error = DecodeOne(bytes, i, channels, size, new Span<float>((float*)outAddress + ((long)i * perImage), perImage));
                }
                catch (OutOfMemoryException)
                {
                    error = $"image {i} could not be decoded (out of memory)";
                }
                catch (OverflowException)
                {
                    error = $"image {i} has {lengthArray[i]} bytes; expected 1..{int.MaxValue}";
                }
                if (error is not null)
                {
                    lock (gate)
                    {
                        // The lowest failing index is reported, which keeps the message independent of scheduling.
                        if (i < firstBad)
                        {
                            firstBad = i;
                            firstError = error;
                        }
                    }
                }
            }

            var workers = Math.Min(Math.Min(Environment.ProcessorCount, 16), (count + 7) / 8);
            if (workers <= 1)
            {
                for (var i = 0; i < count; i++)
                {
                    DecodeAt(i);
                }
            }
            else
            {
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = workers }, DecodeAt);
            }
        }

        if (firstError is not null)
        {
            throw new ModelEngineException(EngineStatus.InvalidArgument, firstError);
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ModelEngineException(EngineStatus.InvalidArgument, message);
        }
    }

    // Decodes image `index` into `output` (channels x size x size). Returns null on success, otherwise the reason.
    private static string? DecodeOne(ReadOnlySpan<byte> bytes, int index, int channels, int size, Span<float> output)
    {
        var format = Sniff(bytes);
        if (format is null)
        {
            return $"image {index} is not a {Formats} file (it starts with {Describe(bytes)})";
        }

        fixed (byte* encoded = bytes)
        {
            // The SKData borrows the pinned bytes; it and the codec are gone before the pin is released.
            using var data = SKData.Create((nint)encoded, bytes.Length);
            using var codec = data is null ? null : SKCodec.Create(data);
            if (codec is null)
            {
                return $"image {index} is a corrupt {format} file (its header cannot be read)";
            }
            var (width, height) = (codec.Info.Width, codec.Info.Height);
            // Checked from the header alone, before any pixel buffer exists: this also stops decompression bombs.
            if (width <= 0 || height <= 0 || (long)width * height > MaxPixels)
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"image {index} is {width}x{height} pixels; the limit is {MaxPixels} pixels");
            }

            var pixelCount = (long)width * height;
            // Zeroed, so pixels a GIF frame leaves transparent read as black, as in stb_image.
            var rgba = (byte*)NativeMemory.AllocZeroed((nuint)(pixelCount * 4));
            try
            {
                var alpha = codec.Info.AlphaType == SKAlphaType.Opaque ? SKAlphaType.Opaque : SKAlphaType.Unpremul;
                // No colour space: Skia applies no colour management, as stb_image ignores gAMA, iCCP and ICC profiles.
                var info = new SKImageInfo(width, height, SKColorType.Rgba8888, alpha, null);
                var result = codec.GetPixels(info, (nint)rgba);
                switch (result)
                {
                    case SKCodecResult.Success:
                        break;
                    case SKCodecResult.IncompleteInput:
                        return $"image {index} is a truncated {format} file (its pixel data ends early)";
                    case SKCodecResult.ErrorInInput or SKCodecResult.InvalidInput:
                        return $"image {index} is a corrupt {format} file (its pixel data does not decode)";
                    default:
                        return $"image {index} could not be decoded ({format}: {result})";
                }

                ToChannels(rgba, pixelCount, channels);
                if (width == size && height == size)
                {
                    ToPlanar(rgba, size, channels, output);
                    return null;
                }

                var resized = (byte*)NativeMemory.Alloc((nuint)size * (nuint)size * 4);
                try
                {
                    if (!Resize(rgba, width, height, resized, size))
                    {
                        return $"image {index} could not be resized from {width}x{height}";
                    }
                    ToPlanar(resized, size, channels, output);
                    return null;
                }
                finally
                {
                    NativeMemory.Free(resized);
                }
            }
            finally
            {
                NativeMemory.Free(rgba);
            }
        }
    }

    // In place, to opaque RGBA holding what stb_image returns for `channels`: the grey value in R, G and B for 1
    // (stb's integer luma), the colour values for 3; alpha is dropped either way (set opaque, so Skia leaves colour
    // alone while resizing).
    private static void ToChannels(byte* rgba, long pixelCount, int channels)
    {
        for (long p = 0; p < pixelCount; p++)
        {
            var px = rgba + (p * 4);
            if (channels == 1)
            {
                var y = (byte)(((px[0] * 77) + (px[1] * 150) + (px[2] * 29)) >> 8);
                px[0] = px[1] = px[2] = y;
            }
            px[3] = 255;
        }
    }

    private static bool Resize(byte* source, int width, int height, byte* destination, int size)
    {
        var sourceInfo = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque, null);
        var destinationInfo = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque, null);
        using var from = new SKPixmap(sourceInfo, (nint)source);
        using var to = new SKPixmap(destinationInfo, (nint)destination);
        return from.ScalePixels(to, Sampling(width, height, size));
    }

    // stb_image_resize enlarges with Catmull-Rom and shrinks with Mitchell widened by the shrink factor; Skia's cubic
    // filters never widen. Enlarging matches exactly. For shrinking, each factor range takes the Skia filter closest
    // to stb's output (measured on Fashion-MNIST against stb_image_resize, bench/engine.md): Mitchell up to 1.2, the smoother
    // B-spline cubic up to 2, mipmapped linear filtering beyond.
    private static SKSamplingOptions Sampling(int width, int height, int size)
    {
        var factor = Math.Max(width, height) / (double)size;
        return factor switch
        {
            <= 1 => new SKSamplingOptions(SKCubicResampler.CatmullRom),
            < 1.2 => new SKSamplingOptions(SKCubicResampler.Mitchell),
            <= 2 => new SKSamplingOptions(new SKCubicResampler(1, 0)),
            _ => new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear),
        };
    }

    // Skia yields interleaved RGBA bytes; the models read planar CHW floats.
    private static void ToPlanar(byte* rgba, int size, int channels, Span<float> output)
    {
        var plane = size * size;
        for (var p = 0; p < plane; p++)
        {
            for (var c = 0; c < channels; c++)
            {
                output[(c * plane) + p] = rgba[(p * 4) + c] * (1.0f / 255.0f);
            }
        }
    }

    private static string? Sniff(ReadOnlySpan<byte> bytes) => bytes switch
    {
        [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => "PNG",
        [0xFF, 0xD8, 0xFF, ..] => "JPEG",
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'7' or (byte)'9', (byte)'a', ..] => "GIF",
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => "WebP",
        [(byte)'B', (byte)'M', ..] => "BMP",
        _ => null,
    };

    private static string Describe(ReadOnlySpan<byte> bytes)
    {
        var head = bytes[..Math.Min(bytes.Length, 8)];
        return $"{Convert.ToHexString(head)}{(bytes.Length > head.Length ? "..." : "")}";
    }
}
