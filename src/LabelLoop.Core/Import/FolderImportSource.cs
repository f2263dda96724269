namespace LabelLoop.Core.Import;

/// <summary>Lists the files under a folder, recursively, in a stable (ordinal) order.</summary>
public static class FolderImportSource
{
    public static ImportListing List(string root)
    {
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"import folder '{root}' does not exist");
        }
        var entries = new List<ImportEntry>();
        var errors = new List<ImportError>();
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var file in Directory.EnumerateFiles(full, "*", options).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(full, file);
            var info = new FileInfo(file);
            if (info.LinkTarget is not null)
            {
                // A symlink may point anywhere on the machine: refuse it like a zip-slip entry.
                errors.Add(new ImportError(relative, "symbolic links are not imported"));
                continue;
            }
            var normalized = ImportPaths.Normalize(relative);
            if (normalized is null)
            {
                errors.Add(new ImportError(relative, "path escapes the import folder"));
                continue;
            }
            entries.Add(new ImportEntry(normalized, info.Length, () => File.OpenRead(file)));
        }
        return new ImportListing(entries, errors);
    }
}
