using System.Buffers;

namespace LabelLoop.Ml.Native;

/// <summary>Pins a <see cref="ModelBatch"/>'s buffers for the duration of one native call.</summary>
internal unsafe ref struct BatchPins
{
    private MemoryHandle _pixels;
    private MemoryHandle _tokens;

    public BatchPins(ModelBatch batch)
    {
        _pixels = batch.Pixels.Pin();
        _tokens = batch.Tokens.Pin();
        Batch = new LlBatch
        {
            NItems = batch.Count,
            Pixels = (float*)_pixels.Pointer,
            NPixels = batch.Pixels.Length,
            Tokens = (long*)_tokens.Pointer,
            NTokens = batch.Tokens.Length,
        };
    }

    public LlBatch Batch { get; }

    public void Dispose()
    {
        _pixels.Dispose();
        _tokens.Dispose();
    }
}
