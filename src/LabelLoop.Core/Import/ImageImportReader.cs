using System.Security.Cryptography;

namespace LabelLoop.Core.Import;

/// <summary>
/// Turns the files of an image folder or zip into validated payloads. Layout (DESIGN.md §3):
/// <c>ROOT/&lt;label&gt;/&lt;file&gt;</c> carries ground truth; <c>ROOT/unlabeled/...</c> and a flat folder carry none.
/// A single top-level folder that wraps everything (a zipped folder) is looked through.
/// </summary>
public sealed class ImageImportReader(IImageValidator validator, ImportLimits limits)
{
    public const string UnlabeledFolder = "unlabeled";

    /// <summary>Images skipped so far because their bytes repeat an earlier file's (final once <see cref="Read"/> is enumerated).</summary>
    public int DuplicatesSkipped { get; private set; }

    /// <summary>
    /// Lazily validates each entry. Problems go to <paramref name="errors"/>; duplicates inside the input (same
    /// content hash) are dropped and counted in <see cref="DuplicatesSkipped"/>.
    /// </summary>
    public IEnumerable<ImportPayload> Read(IReadOnlyList<ImportEntry> entries, List<ImportError> errors)
    {
        var files = entries.Where(e => !ImportPaths.IsIgnorable(e.RelativePath)).ToList();
        var prefix = CommonWrapperFolder(files);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in files)
        {
            var path = entry.RelativePath[prefix.Length..];
            var extension = Path.GetExtension(path);
            if (!ImportPaths.ImageExtensions.Contains(extension))
            {
                errors.Add(new ImportError(entry.RelativePath,
                    $"unsupported file type '{(extension.Length == 0 ? "(none)" : extension)}'; expected .png, .jpg, .jpeg, .bmp, .gif or .webp"));
                continue;
            }
            if (entry.Length > limits.MaxFileBytes)
            {
                errors.Add(new ImportError(entry.RelativePath, $"file is {entry.Length} bytes, over the {limits.MaxFileBytes}-byte limit"));
                continue;
            }
            var segments = path.Split('/');
            string? label = null;
            if (segments.Length >= 2 && !segments[0].Equals(UnlabeledFolder, StringComparison.OrdinalIgnoreCase))
            {
                var (checkedLabel, labelError) = LabelNames.Check(segments[0]);
                if (labelError is not null)
                {
                    errors.Add(new ImportError(entry.RelativePath, labelError));
                    continue;
                }
                label = checkedLabel;
            }
            byte[] bytes;
            try
            {
                bytes = BoundedRead.ReadAll(entry, limits.MaxFileBytes);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                errors.Add(new ImportError(entry.RelativePath, $"cannot be read: {ex.Message}"));
                continue;
            }
            ImageInfo info;
            try
            {
                info = validator.Validate(bytes);
            }
            catch (InvalidImageException ex)
            {
                errors.Add(new ImportError(entry.RelativePath, ex.Message));
                continue;
            }
            var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (!seen.Add(hash))
            {
                DuplicatesSkipped++;
                continue;
            }
            var candidate = new ImportCandidate(path, hash, label, null, info.MediaType, info.Width, info.Height, info.IsColour);
            yield return new ImportPayload(candidate, bytes);
        }
    }

    private static string CommonWrapperFolder(List<ImportEntry> files)
    {
        if (files.Count == 0)
        {
            return "";
        }
        var first = files[0].RelativePath.Split('/');
        if (first.Length < 3)
        {
            return "";
        }
        var candidate = first[0] + "/";
        return files.All(f => f.RelativePath.StartsWith(candidate, StringComparison.Ordinal) && f.RelativePath.Count(c => c == '/') >= 2)
            ? candidate
            : "";
    }
}
