using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace LabelLoop.Data.Blobs;

/// <summary>
/// Content-addressed files under <c>DATA/blobs/ab/cd/&lt;sha256&gt;</c>. Writes go to a temporary file and are
/// renamed into place, so a reader never sees half a blob and concurrent writers of the same content agree.
/// </summary>
public sealed class BlobStore(IOptions<LabelLoopStorageOptions> options)
{
    private readonly string _root = options.Value.BlobsDir;

    public static bool IsValidHash(string hash) =>
        hash.Length == 64 && hash.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    /// <summary>The file path of a blob. The hash is checked, so no caller can reach outside the store.</summary>
    public string PathOf(string hash)
    {
        if (!IsValidHash(hash))
        {
            throw new ArgumentException("not a lower-case hex SHA-256", nameof(hash));
        }
        return Path.Combine(_root, hash[..2], hash[2..4], hash);
    }

    public bool Exists(string hash) => File.Exists(PathOf(hash));

    /// <summary>Stores bytes whose SHA-256 the caller computed; verifies it and returns whether a new file was written.</summary>
    public bool Put(string hash, ReadOnlySpan<byte> bytes)
    {
        if (!Convert.ToHexStringLower(SHA256.HashData(bytes)).Equals(hash, StringComparison.Ordinal))
        {
            throw new ArgumentException("content does not match its hash", nameof(hash));
        }
        var path = PathOf(hash);
        if (File.Exists(path))
        {
            return false;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096))
        {
            file.Write(bytes);
        }
        File.Move(temp, path, overwrite: true);
        return true;
    }

    public Stream OpenRead(string hash) => File.OpenRead(PathOf(hash));
}
