using System.Collections.Concurrent;
using LabelLoop.Data.Blobs;
using LabelLoop.Ml;
using Microsoft.Extensions.Options;

namespace LabelLoop.Jobs.Training;

/// <summary>
/// Decoded pixels by blob hash, kept between runs: a project's pool is decoded once per process, and every later
/// training reads it from memory. Content-addressed, so an entry never goes stale.
/// </summary>
public sealed class DecodedImageCache(BlobStore blobs, IOptions<JobsOptions> options)
{
    private const int DecodeChunk = 512;
    private readonly ConcurrentDictionary<(string Hash, int Channels, int Size), float[]> _pixels = new();
    private readonly int _capacity = options.Value.DecodeCacheItems;

    public int Count => _pixels.Count;

    /// <summary>
    /// Pixels of <paramref name="hashes"/>, laid end to end in order (items x channels x size x size), decoding what
    /// the cache lacks with <paramref name="engine"/>. Grey and colour decodings of an image are cached apart.
    /// </summary>
    public float[] Load(IModelEngine engine, IReadOnlyList<string> hashes, int channels, int size, CancellationToken cancellationToken)
    {
        var per = channels * size * size;
        var result = new float[(long)hashes.Count * per];
        var missing = new List<int>();
        for (var i = 0; i < hashes.Count; i++)
        {
            if (_pixels.TryGetValue((hashes[i], channels, size), out var cached))
            {
                cached.CopyTo(result, (long)i * per);
            }
            else
            {
                missing.Add(i);
            }
        }
        for (var start = 0; start < missing.Count; start += DecodeChunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = missing.Skip(start).Take(DecodeChunk).ToList();
            var bytes = chunk.Select(i => (ReadOnlyMemory<byte>)File.ReadAllBytes(blobs.PathOf(hashes[i]))).ToList();
            var decoded = engine.DecodeImages(bytes, channels, size);
            for (var j = 0; j < chunk.Count; j++)
            {
                var row = decoded.AsSpan(j * per, per);
                row.CopyTo(result.AsSpan((int)((long)chunk[j] * per), per));
                if (_pixels.Count < _capacity)
                {
                    _pixels.TryAdd((hashes[chunk[j]], channels, size), row.ToArray());
                }
            }
        }
        return result;
    }
}
