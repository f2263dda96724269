using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;

namespace LabelLoop.Core.Export;

/// <summary>
/// What one role may read of a project's items and answers: the single rule behind the export stream, export jobs
/// and their files, the item listings and the review queue. Admins see everything; a project's reviewers see every answer but not
/// the import's external ids (an image's path names its class folder, the hidden ground truth); annotators may not
/// export and see neither external ids nor other people's answers, final labels included.
/// </summary>
/// <remarks>
/// Services pick the projection with <see cref="For"/> and apply it before anything leaves them, so the REST API,
/// the pages and the CLI (which acts as <see cref="Caller.System"/>, an admin) all get the same answer.
/// </remarks>
/// <param name="Role">The role the projection is for: <c>admin</c>, <c>reviewer</c> or <c>annotator</c>.</param>
/// <param name="MayExport">May stream exports and start, list, read, download and delete export jobs.</param>
/// <param name="ExternalIds">Sees the import's external ids (file paths, JSONL/CSV ids).</param>
/// <param name="EveryonesAnswers">Sees every annotator's answers with their e-mail addresses, and final labels.</param>
/// <param name="OthersExports">Sees export jobs other members started (their files may hold more than this role's projection).</param>
public sealed record ExportProjection(string Role, bool MayExport, bool ExternalIds, bool EveryonesAnswers, bool OthersExports)
{
    public static ExportProjection Admin { get; } = new(Roles.Admin, MayExport: true, ExternalIds: true, EveryonesAnswers: true, OthersExports: true);

    public static ExportProjection Reviewer { get; } = new(Roles.Reviewer, MayExport: true, ExternalIds: false, EveryonesAnswers: true, OthersExports: false);

    public static ExportProjection Annotator { get; } = new(Roles.Annotator, MayExport: false, ExternalIds: false, EveryonesAnswers: false, OthersExports: false);

    /// <summary>The projection of <paramref name="caller"/>'s role (membership of the project is checked separately).</summary>
    public static ExportProjection For(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.IsAdmin ? Admin : caller.IsReviewer ? Reviewer : Annotator;
    }

    /// <summary>Throws <see cref="AccessDeniedException"/> unless this role may export.</summary>
    public void EnsureMayExport()
    {
        if (!MayExport)
        {
            throw new AccessDeniedException(
                "Only admins and the project's reviewers can export: an export holds every annotator's answers.");
        }
    }

    /// <summary>
    /// Throws <see cref="AccessDeniedException"/> unless this role may read an export job started by
    /// <paramref name="requesterId"/> when <paramref name="callerId"/> asks.
    /// </summary>
    public void EnsureMayReadExportOf(string? requesterId, string callerId)
    {
        if (!OthersExports && requesterId != callerId)
        {
            throw new AccessDeniedException("Only the member who started an export, or an admin, can see or delete it.");
        }
    }

    /// <summary>The record as this role may read it.</summary>
    public ExportRecord Apply(ExportRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (ExternalIds && EveryonesAnswers)
        {
            return record;
        }
        return record with
        {
            ExternalId = ExternalIds ? record.ExternalId : null,
            FinalLabel = EveryonesAnswers ? record.FinalLabel : null,
            Annotations = EveryonesAnswers ? record.Annotations : [],
        };
    }

    /// <summary>The item as this role may read it.</summary>
    public ItemView Apply(ItemView item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item with
        {
            ExternalId = ExternalIds ? item.ExternalId : null,
            FinalLabel = EveryonesAnswers ? item.FinalLabel : null,
        };
    }

    /// <summary>An item of the review queue as this role may read it.</summary>
    public ReviewItem Apply(ReviewItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item with
        {
            ExternalId = ExternalIds ? item.ExternalId : null,
            Answers = EveryonesAnswers ? item.Answers : [],
        };
    }

    /// <summary>
    /// Throws <see cref="AccessDeniedException"/> when this role asks to select items by their final label: the
    /// selection would tell what it may not read.
    /// </summary>
    public void EnsureMayFilterByFinalLabel(string? label)
    {
        if (!EveryonesAnswers && !string.IsNullOrEmpty(label))
        {
            throw new AccessDeniedException("Only admins and reviewers can select items by their final label.");
        }
    }
}
