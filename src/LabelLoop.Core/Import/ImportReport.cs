using System.Globalization;

namespace LabelLoop.Core.Import;

/// <summary>
/// The outcome of one import. When <see cref="Errors"/> is non-empty nothing was stored: the import is all or nothing.
/// </summary>
/// <param name="Added">New items stored.</param>
/// <param name="AlreadyPresent">Valid items whose content the project already had (re-import is idempotent).</param>
/// <param name="LabelsAdded">Labels found in the layout and added to the project's label set.</param>
/// <param name="Errors">Every problem, by file (and line).</param>
/// <param name="DuplicatesSkipped">Records or files of the input whose content repeats an earlier one of the same input, skipped.</param>
public sealed record ImportReport(int Added, int AlreadyPresent, IReadOnlyList<string> LabelsAdded, IReadOnlyList<ImportError> Errors, int DuplicatesSkipped = 0)
{
    public bool Succeeded => Errors.Count == 0;

    /// <summary>Image projects: which augmentations training will use, chosen from the project's settings; null for text.</summary>
    public string? AugmentationNote { get; init; }

    /// <summary>The augmentation note for an image project that does (or does not) allow mirror flips.</summary>
    public static string DescribeAugmentations(bool allowHorizontalFlip) => allowHorizontalFlip
        ? "Training will augment these images with small shifts, brightness and contrast changes, noise and left-right mirror flips (the project says its classes are mirror-invariant)."
        : "Training will augment these images with small shifts, brightness and contrast changes and noise, but no mirror flips: a mirror image changes the class of digits, letters and many diagrams. Turn on allowHorizontalFlip in the loop settings if this project's classes are mirror-invariant.";

    /// <summary>One sentence on the skipped duplicates, or null when there were none.</summary>
    public string? DuplicatesNote => DuplicatesSkipped == 0
        ? null
        : string.Create(CultureInfo.InvariantCulture,
            $"Skipped {DuplicatesSkipped} duplicate(s): lines or files whose content repeats an earlier one of this import.");
}
