using LabelLoop.Ml.Native;

namespace LabelLoop.Ml;

/// <summary>
/// The native library's stb_image decoder that <see cref="ImageDecoder"/> replaced, kept while the library ships as
/// the reference the managed decoder is compared with (tests, <c>labelloop bench decode</c>). Same contract as
/// <see cref="ImageDecoder.Decode(ReadOnlySpan{byte}, ReadOnlySpan{long}, int, int, Span{float})"/>.
/// </summary>
public static unsafe class StbImageDecoder
{
    /// <summary>Whether the native library loads here; when false, <see cref="Decode"/> throws.</summary>
    public static bool IsAvailable => TorchModelEngine.Probe().NativeAvailable;

    /// <summary>Decodes images laid end to end in <paramref name="data"/> (image i is lengths[i] bytes) into <paramref name="destination"/>.</summary>
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
