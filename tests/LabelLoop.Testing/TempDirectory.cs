namespace LabelLoop.Testing;

/// <summary>A fresh folder under the system temp directory, deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"labelloop-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Writes a file at a forward-slash path relative to the folder, creating sub-folders.</summary>
    public string Write(string relativePath, byte[] content)
    {
        var full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, content);
        return full;
    }

    /// <summary>Writes UTF-8 text (no byte order mark).</summary>
    public string WriteText(string relativePath, string content) =>
        Write(relativePath, new System.Text.UTF8Encoding(false).GetBytes(content));

    /// <summary>Every file below <paramref name="relativeFolder"/>, or none when it does not exist.</summary>
    public IReadOnlyList<string> FilesUnder(string relativeFolder)
    {
        var full = System.IO.Path.Combine(Path, relativeFolder);
        return Directory.Exists(full)
            ? Directory.GetFiles(full, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
            : [];
    }

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
