using System.Globalization;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Export;
using LabelLoop.Data.Export;
using LabelLoop.Jobs.Export;
using LabelLoop.Web.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace LabelLoop.Web.Api;

/// <summary>
/// Exports: a small export streamed straight into the response, or an export run as a job (202 + Location), its
/// status, its file (with its SHA-256), the list, and delete. Admins and the project's reviewers only: the services
/// refuse everyone else (<see cref="ExportProjection"/>).
/// </summary>
public static class ExportEndpoints
{
    /// <summary>Lower-case hex SHA-256 of the file, for <c>sha256sum</c>; the RFC 9530 <c>Repr-Digest</c> header carries the same digest.</summary>
    public const string Sha256Header = "X-Content-SHA256";

    public static IEndpointRouteBuilder MapExportEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/projects/{projectId:int}").WithTags("Exports");
        api.MapGet("/export", StreamAsync).RequireScope(ApiScopes.Read);
        api.MapPost("/exports", StartAsync).RequireScope(ApiScopes.Write);
        api.MapGet("/exports", ListAsync).RequireScope(ApiScopes.Read);
        api.MapGet("/exports/{exportId:long}", GetAsync).RequireScope(ApiScopes.Read);
        api.MapGet("/exports/{exportId:long}/file", FileAsync).RequireScope(ApiScopes.Read);
        api.MapDelete("/exports/{exportId:long}", DeleteAsync).RequireScope(ApiScopes.Write);
        return app;
    }

    /// <summary>The body of <c>POST /api/v1/projects/{id}/exports</c>.</summary>
    /// <param name="Format">jsonl, csv or zip (image projects).</param>
    /// <param name="LabeledOnly">Only items with a final label.</param>
    /// <param name="Label">Only items whose final label is this.</param>
    /// <param name="Since">Only items with an annotation at or after this time.</param>
    /// <param name="Until">Only items with an annotation before this time.</param>
    public sealed record CreateExportRequest(string? Format, bool LabeledOnly = false, string? Label = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null);

    /// <summary>The query of <c>GET /api/v1/projects/{id}/export</c>: the same filters as an export job.</summary>
    public sealed record StreamExportQuery(string? Format, bool? LabeledOnly, string? Label, DateTimeOffset? Since, DateTimeOffset? Until);

    private static ExportFilter Filter(bool labeledOnly, string? label, DateTimeOffset? since, DateTimeOffset? until) =>
        new ExportFilter(labeledOnly, string.IsNullOrEmpty(label) ? null : label, since?.UtcDateTime, until?.UtcDateTime).Validated();

    private static string Format(string? format) =>
        ExportWriters.IsKnown(format ?? ExportWriters.Jsonl)
            ? format ?? ExportWriters.Jsonl
            : throw new DomainValidationException("format", $"One of: {string.Join(", ", ExportWriters.Formats)}.");

    private static async Task<PushStreamHttpResult> StreamAsync(
        int projectId,
        [AsParameters] StreamExportQuery query,
        HttpContext http,
        ExportService exports,
        IConfiguration configuration,
        CancellationToken cancellationToken)
    {
        var caller = http.User.ToCaller();
        await exports.EnsureCanExportAsync(caller, projectId, cancellationToken);
        var format = Format(query.Format);
        var filter = Filter(query.LabeledOnly ?? false, query.Label, query.Since, query.Until);
        // Everything that can fail with a status code is checked before the first byte goes out.
        var limit = configuration.GetValue<long?>("Export:MaxDirectItems") ?? DefaultMaxDirectItems;
        var count = await exports.CountAsync(caller, projectId, format, filter, cancellationToken);
        if (count > limit)
        {
            throw new DomainValidationException("format",
                string.Create(CultureInfo.InvariantCulture, $"{count} items match; exports of more than {limit} items run as a job: POST /api/v1/projects/{projectId}/exports."));
        }
        var name = string.Create(CultureInfo.InvariantCulture, $"project-{projectId}-export{ExportWriters.Extension(format)}");
        return TypedResults.Stream(
            async body => await exports.WriteAsync(caller, projectId, format, filter, body, null, http.RequestAborted),
            ExportWriters.ContentType(format), name);
    }

    /// <summary>The most items <c>GET .../export</c> streams directly; configuration key <c>Export:MaxDirectItems</c>.</summary>
    public const long DefaultMaxDirectItems = 100_000;

    private static async Task<Accepted<ExportView>> StartAsync(
        int projectId, CreateExportRequest request, HttpContext http, ExportQueue queue, CancellationToken cancellationToken)
    {
        var format = request.Format ?? throw new DomainValidationException("format", $"A format is required: {string.Join(", ", ExportWriters.Formats)}.");
        var view = await queue.StartAsync(http.User.ToCaller(), projectId, Format(format),
            Filter(request.LabeledOnly, request.Label, request.Since, request.Until), cancellationToken);
        return TypedResults.Accepted(ExportRunService.Location(projectId, view.Id), view);
    }

    private static async Task<Ok<Page<ExportView>>> ListAsync(
        int projectId, int? limit, string? cursor, HttpContext http, ExportRunService exports, CancellationToken cancellationToken)
    {
        var take = Paging.Limit(limit);
        // Newest first: the cursor is the last id served, and the next page holds the ids below it.
        var rows = await exports.ListAsync(http.User.ToCaller(), projectId, Paging.After(cursor), Paging.Take(take), cancellationToken);
        return TypedResults.Ok(Paging.ToPage(rows, take, e => e.Id));
    }

    private static async Task<Ok<ExportView>> GetAsync(
        int projectId, long exportId, HttpContext http, ExportRunService exports, CancellationToken cancellationToken) =>
        TypedResults.Ok(await exports.GetAsync(http.User.ToCaller(), projectId, exportId, cancellationToken));

    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> FileAsync(
        int projectId, long exportId, HttpContext http, ExportRunService exports, CancellationToken cancellationToken)
    {
        var (view, file) = await exports.GetFileAsync(http.User.ToCaller(), projectId, exportId, cancellationToken);
        if (file is null)
        {
            return TypedResults.Problem(
                view.Status == ExportRunService.StatusName(Core.Jobs.JobStatus.Succeeded)
                    ? "The export's file is missing from the data folder."
                    : $"The export is {view.Status}; its file is served once it has succeeded.",
                statusCode: StatusCodes.Status409Conflict, title: "Not ready", type: "urn:labelloop:problem:409");
        }
        http.Response.Headers[Sha256Header] = file.Sha256;
        http.Response.Headers["Repr-Digest"] = $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(file.Sha256))}:";
        return TypedResults.PhysicalFile(file.Path, file.ContentType, file.DownloadName,
            entityTag: new EntityTagHeaderValue($"\"{file.Sha256}\""), enableRangeProcessing: true);
    }

    private static async Task<NoContent> DeleteAsync(
        int projectId, long exportId, HttpContext http, ExportQueue queue, CancellationToken cancellationToken)
    {
        await queue.DeleteAsync(http.User.ToCaller(), projectId, exportId, cancellationToken);
        return TypedResults.NoContent();
    }
}
