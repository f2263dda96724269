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

    /// <summary>One sentence on the skipped duplicates, or null when there were none.</summary>
    public string? DuplicatesNote => DuplicatesSkipped == 0
        ? null
        : string.Create(CultureInfo.InvariantCulture,
            $"Skipped {DuplicatesSkipped} duplicate(s): lines or files whose content repeats an earlier one of this import.");
}
