using System.Text.Json;
using LabelLoop.Core.Import;
using LabelLoop.Core.Jobs;
using LabelLoop.Data;
using LabelLoop.Data.Import;
using LabelLoop.Data.Jobs;
using LabelLoop.Jobs.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LabelLoop.Jobs.Import;

/// <summary>What an import run's <c>ParametersJson</c> holds: the project, the saved upload (relative to the uploads folder) and how to treat labels.</summary>
public sealed record ImportParameters(int ProjectId, string Path, string FileName, bool AddMissingLabels)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}

/// <summary>
/// Imports an uploaded file in the background (uploads too large to import within the request). The same
/// all-or-nothing import as the page and the CLI: a file with any problem stores nothing, and the run fails with
/// the problems listed. The saved upload is deleted once the run has ended, whichever way.
/// </summary>
public sealed class ImportRunner(
    JobRunService runs, ImportService imports, IOptions<LabelLoopStorageOptions> storage, ILogger<ImportRunner> logger)
{
    /// <summary>Problems listed on a failed run's row; the rest are counted.</summary>
    public const int ListedProblems = 20;

    public async Task<RunOutcome> RunAsync(long jobRunId, RunAttempt attempt, CancellationToken cancellationToken)
    {
        string? path = null;
        var outcome = await JobRunGuard.RunAsync(jobRunId, attempt, runs, logger, async (run, monitor) =>
        {
            var parameters = JsonSerializer.Deserialize<ImportParameters>(run.ParametersJson, ImportParameters.Json)
                ?? throw new JobInputException("The import run carries no parameters.");
            var uploads = storage.Value.UploadsDir;
            path = System.IO.Path.GetFullPath(System.IO.Path.Combine(uploads, parameters.Path));
            if (!path.StartsWith(uploads + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                path = null;
                throw new JobInputException("The import run names a file outside the uploads folder.");
            }
            if (!File.Exists(path))
            {
                throw new JobInputException($"The uploaded file {parameters.FileName} is gone; upload it again.");
            }
            monitor.Report(1, $"Reading {parameters.FileName}");
            ImportReport report;
            try
            {
                using var opened = OpenedImport.OpenFile(parameters.FileName, File.OpenRead(path));
                var progress = new SyncProgress(p => monitor.Report(
                    2 + (int)(95.0 * p.Processed / Math.Max(1, p.Total)), $"{p.Stage}: {p.Processed:N0} of {p.Total:N0}"));
                report = await imports.ImportAsync(parameters.ProjectId, opened.Listing, parameters.AddMissingLabels, progress, monitor.Token);
            }
            catch (InvalidDataException ex)
            {
                report = new ImportReport(0, 0, [], [new ImportError(parameters.FileName, ex.Message)]);
            }
            if (!report.Succeeded)
            {
                var listed = string.Join("; ", report.Errors.Take(ListedProblems).Select(e => $"{e.Source}: {e.Message}"));
                var more = report.Errors.Count > ListedProblems ? $"; and {report.Errors.Count - ListedProblems} more" : "";
                throw new JobInputException($"Nothing was imported: {report.Errors.Count} problem(s) in {parameters.FileName}: {listed}{more}");
            }
            var labels = report.LabelsAdded.Count > 0 ? $"; new labels: {string.Join(", ", report.LabelsAdded)}" : "";
            var duplicates = report.DuplicatesSkipped > 0 ? $"; {report.DuplicatesSkipped:N0} duplicate(s) skipped" : "";
            // No retry needs the file once the items are in: it is gone by the time the run reads as succeeded.
            TryDelete(path);
            await runs.SucceedAsync(jobRunId,
                $"Imported {report.Added:N0} item(s) from {parameters.FileName}; {report.AlreadyPresent:N0} already present{duplicates}{labels}{(report.AugmentationNote is { } note ? ". " + note : "")}", CancellationToken.None);
            return RunOutcome.Succeeded;
        }, cancellationToken);
        // Kept only while a retry may still need it.
        if (path is not null && outcome != RunOutcome.Skipped)
        {
            TryDelete(path);
        }
        return outcome;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            var folder = Path.GetDirectoryName(path);
            if (folder is not null && Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed class SyncProgress(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }
}
