using LabelLoop.Core.Accounts;
using LabelLoop.Core.Export;
using LabelLoop.Data.Projects;

namespace LabelLoop.Data.Export;

/// <summary>The check every export entry point makes first: the caller is a member of the project whose role may export.</summary>
internal static class ExportAccess
{
    /// <summary>
    /// Throws <see cref="Core.NotFoundException"/> for a missing project and <see cref="Core.AccessDeniedException"/>
    /// for a non-member or a role that may not export; returns what the caller's role may read.
    /// </summary>
    public static async Task<ExportProjection> EnsureAsync(ProjectService projects, Caller caller, int projectId, CancellationToken cancellationToken)
    {
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        var projection = ExportProjection.For(caller);
        projection.EnsureMayExport();
        return projection;
    }
}
