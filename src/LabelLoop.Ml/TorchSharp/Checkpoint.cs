using System.Buffers.Binary;
using static TorchSharp.torch;

namespace LabelLoop.Ml.TorchSharp;

/// <summary>
/// Checkpoints of <see cref="TorchSharpEngine"/>: a versioned header naming the architecture (the
/// <see cref="ModelSpec"/> fields) and checking the payload, then TorchSharp's module state.
/// </summary>
/// <remarks>
/// The header (little-endian): signature, format, architecture revision, kind, classes, embedding width, width,
/// channels, image size, vocabulary, tokens, dropout bits, seed, payload size, payload FNV-1a checksum. The
/// C++ engine of earlier versions wrote the same layout under another signature, with a libtorch archive as payload.
/// </remarks>
internal static class Checkpoint
{
    /// <summary>The container's format; bump when the layout changes.</summary>
    public const uint Format = 1;

    /// <summary>
    /// Bump whenever a kind's layers change, so old checkpoints fail clearly. 2: the image encoder pools to a 3x3 grid
    /// (<see cref="ImageEncoder.SpatialPool"/>); text models are unchanged since 1, so their revision-1 checkpoints still load.
    /// </summary>
    public const uint ArchitectureRevision = 2;

    /// <summary>The oldest revision whose checkpoints of <paramref name="kind"/> this library still reads.</summary>
    private static uint OldestReadable(ModelKind kind) => kind == ModelKind.Image ? 2u : 1u;

    private const int HeaderSize = 8 + 4 + 4 + (8 * 4) + 4 + 8 + 8 + 8;

    private static ReadOnlySpan<byte> Magic => "LLMODTS\0"u8;

    // The signature of checkpoints written by the C++ engine of earlier versions.
    private static ReadOnlySpan<byte> CxxEngineMagic => "LLMODEL\0"u8;

    public static void Save(TorchSharpModel model, string path)
    {
        byte[] payload;
        using (var stream = new MemoryStream())
        {
            model.Net.save(stream);
            payload = stream.ToArray();
        }

        var c = model.Spec;
        var header = new byte[HeaderSize];
        var span = header.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], Format);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], ArchitectureRevision);
        var offset = 16;
        foreach (var v in new[] { (int)c.Kind, c.Classes, c.EmbeddingDim, c.Width, c.Channels, c.ImageSize, c.VocabularySize, c.MaxTokens })
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[offset..], v);
            offset += 4;
        }

        BinaryPrimitives.WriteSingleLittleEndian(span[offset..], c.Dropout);
        BinaryPrimitives.WriteInt64LittleEndian(span[(offset + 4)..], c.Seed);
        BinaryPrimitives.WriteUInt64LittleEndian(span[(offset + 12)..], (ulong)payload.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(span[(offset + 20)..], Checksum(payload));

        var temp = $"{path}.tmp{Environment.ProcessId}";
        try
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(header);
                file.Write(payload);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new ModelEngineException(EngineStatus.IoError, $"cannot write checkpoint '{path}': {e.Message}");
        }
    }

    public static TorchSharpModel Load(string path, Device device, ModelSpec? expected)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ModelEngineException(EngineStatus.IoError, $"cannot open checkpoint '{path}': No such file or directory");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelEngineException(EngineStatus.IoError, $"cannot read checkpoint '{path}': {e.Message}");
        }

        var p = bytes.AsSpan();
        if (p.Length >= 8 && !p[..8].SequenceEqual(Magic))
        {
            throw new ModelEngineException(
                EngineStatus.IoError,
                p[..8].SequenceEqual(CxxEngineMagic)
                    ? $"'{path}' was written by the C++ engine of an earlier LabelLoop version, which this version cannot read; train the project again to replace it"
                    : $"'{path}' is not a LabelLoop checkpoint (unknown file signature)");
        }

        if (p.Length < HeaderSize)
        {
            throw new ModelEngineException(
                EngineStatus.IoError,
                $"checkpoint '{path}' is truncated: its header needs {HeaderSize} bytes but the file has {p.Length}");
        }

        var format = BinaryPrimitives.ReadUInt32LittleEndian(p[8..]);
        Checks.Require(format == Format, $"checkpoint '{path}' uses format version {format}; this library reads version {Format}");
        var f = p[16..];
        var fields = new int[8];
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = BinaryPrimitives.ReadInt32LittleEndian(f[(4 * i)..]);
        }

        int Field(int i) => fields[i];
        var kind = (ModelKind)Field(0);
        var revision = BinaryPrimitives.ReadUInt32LittleEndian(p[12..]);
        Checks.Require(
            kind is ModelKind.Image or ModelKind.TextConv or ModelKind.TextTransformer,
            $"checkpoint '{path}' holds model kind {(int)kind}, which this library does not know");
        Checks.Require(
            revision >= OldestReadable(kind) && revision <= ArchitectureRevision,
            $"checkpoint '{path}' holds a {Checks.KindName(kind)} model of architecture revision {revision}; this library builds revision {ArchitectureRevision}");
        var spec = new ModelSpec
        {
            Kind = kind,
            Classes = Field(1),
            EmbeddingDim = Field(2),
            Width = Field(3),
            Channels = Field(4),
            ImageSize = Field(5),
            VocabularySize = Field(6),
            MaxTokens = Field(7),
            Dropout = BinaryPrimitives.ReadSingleLittleEndian(f[32..]),
            Seed = BinaryPrimitives.ReadInt64LittleEndian(f[36..]),
        };
        var payloadSize = BinaryPrimitives.ReadUInt64LittleEndian(f[44..]);
        var payloadSum = BinaryPrimitives.ReadUInt64LittleEndian(f[52..]);
        if (expected is not null)
        {
            Checks.Require(
                spec.Kind == expected.Kind,
                $"checkpoint '{path}' holds a {Checks.KindName(spec.Kind)} model but a {Checks.KindName(expected.Kind)} model was expected");
            ExpectEqual(path, "n_classes", spec.Classes, expected.Classes);
            ExpectEqual(path, "embedding_dim", spec.EmbeddingDim, expected.EmbeddingDim);
            ExpectEqual(path, "width", spec.Width, expected.Width);
            if (spec.Kind == ModelKind.Image)
            {
                ExpectEqual(path, "channels", spec.Channels, expected.Channels);
                ExpectEqual(path, "image_size", spec.ImageSize, expected.ImageSize);
            }
            else
            {
                ExpectEqual(path, "vocab_size", spec.VocabularySize, expected.VocabularySize);
                ExpectEqual(path, "max_tokens", spec.MaxTokens, expected.MaxTokens);
            }
        }

        Checks.Spec(spec);
        var available = (ulong)(p.Length - HeaderSize);
        if (payloadSize > available)
        {
            throw new ModelEngineException(
                EngineStatus.IoError,
                $"checkpoint '{path}' is truncated: its weights need {payloadSize} bytes but only {available} follow the header");
        }

        var payload = p.Slice(HeaderSize, (int)payloadSize);
        if (Checksum(payload) != payloadSum)
        {
            throw new ModelEngineException(EngineStatus.IoError, $"checkpoint '{path}' is corrupt: the weights fail their checksum");
        }

        var model = TorchSharpEngine.NewModel(spec, device);
        try
        {
            using var stream = new MemoryStream(bytes, HeaderSize, (int)payloadSize, writable: false);
            model.Net.load(stream, strict: true);
            model.Net.eval();
            return model;
        }
        catch (Exception e) when (e is not ModelEngineException)
        {
            model.Dispose();
            throw new ModelEngineException(EngineStatus.IoError, $"checkpoint '{path}' has weights that do not fit its architecture: {e.Message}");
        }
    }

    private static void ExpectEqual(string path, string field, int found, int expected)
        => Checks.Require(found == expected, $"checkpoint '{path}' has {field} = {found} but {expected} was expected");

    // FNV-1a: not cryptographic, only a guard against truncated or bit-flipped payloads.
    private static ulong Checksum(ReadOnlySpan<byte> bytes)
    {
        var h = 1469598103934665603UL;
        foreach (var b in bytes)
        {
            h ^= b;
            h *= 1099511628211UL;
        }

        return h;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
