using LabelLoop.Core.Accounts;
using LabelLoop.Core.Export;
using LabelLoop.Data.Export;

namespace LabelLoop.Jobs.Export;

/// <summary>
/// What the API calls to start and remove exports: writes the export and job-run rows, then hands the run to
/// <see cref="JobQueue"/>, whose trigger lands in the shared store (so a web-only node can enqueue too).
/// </summary>
public sealed class ExportQueue(ExportRunService exports, JobQueue queue)
{
    public async Task<ExportView> StartAsync(Caller caller, int projectId, string format, ExportFilter filter, CancellationToken cancellationToken = default)
    {
        var created = await exports.CreateAsync(caller, projectId, format, filter, cancellationToken);
        await queue.ScheduleAsync(created.Run, cancellationToken);
        return created.View;
    }

    /// <summary>Deletes the export and its file; a queued or running one is cancelled and its trigger dropped.</summary>
    public async Task DeleteAsync(Caller caller, int projectId, long exportId, CancellationToken cancellationToken = default)
    {
        var jobRunId = await exports.DeleteAsync(caller, projectId, exportId, cancellationToken);
        await queue.UnscheduleAsync(jobRunId, cancellationToken);
    }
}
