using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Annotations;
using LabelLoop.Data.Blobs;
using LabelLoop.Data.Items;
using LabelLoop.Data.Projects;
using LabelLoop.Web.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace LabelLoop.Web.Api;

/// <summary>Item content and the labeling API.</summary>
public static class LabelingEndpoints
{
    public static IEndpointRouteBuilder MapLabelingEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/projects/{projectId:int}").WithTags("Labeling");
        api.MapGet("/items/{itemId:long}/content", GetContentAsync).RequireScope(ApiScopes.Read)
            .WithName("GetItemContent").WithSummary("An image item's bytes (content-addressed, cacheable).")
            .Produces(StatusCodes.Status200OK, null, "image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp", "application/octet-stream");
        api.MapPost("/next", NextAsync).RequireScope(ApiScopes.Label)
            .WithName("NextItem")
            .WithSummary("Leases the next item to the caller, as the workspace does: the caller's live lease first, then the best-ranked free item. 204 when none is left.")
            .WithDescription(
                "The item (its text, or the `contentUrl` of its image), the project's `labels` in label-bar order, the lease's " +
                "expiry, the model's `suggestion` and `why` the item was chosen: everything needed to answer it.");
        api.MapPost("/annotations", CreateAnnotationAsync).RequireScope(ApiScopes.Label)
            .WithName("CreateAnnotation")
            .WithSummary("Labels (or skips) an item leased to the caller.")
            .WithDescription(
                "201 with the new annotation. The answer must be for an item `POST .../next` leased to the caller; when that " +
                "lease has expired it is still taken if nobody else took the item meanwhile. Otherwise 409, its `detail` naming " +
                "why: the item is leased to another annotator, it already has the answers it needs (the project's overlap), it " +
                "was never leased to the caller, or the project's label budget is spent. Retries are safe: send an " +
                "`Idempotency-Key` header (up to 100 characters, unique per caller); a repeat with the same key, or a second " +
                "answer by the same caller for the same item, stores nothing and answers 200 with the first annotation. A key " +
                "already used for another request (another item, in this project or another) is a 409.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>The request body of <c>POST /api/v1/projects/{id}/annotations</c>.</summary>
    public sealed record CreateAnnotationRequest(long ItemId, string? Label, bool Skip = false, string? Comment = null, double? LeadTimeSeconds = null);

    /// <summary>The response of <c>POST /api/v1/projects/{id}/annotations</c>.</summary>
    public sealed record AnnotationCreated(long Id, long ItemId, string ItemStatus);

    /// <summary>
    /// The response of <c>POST /api/v1/projects/{id}/next</c>: the leased item and the project's labels, so a client
    /// can show and answer it without another call.
    /// </summary>
    public sealed record NextItem(
        long ItemId,
        int ProjectId,
        ProjectKind Kind,
        string? Text,
        string? ContentUrl,
        DateTime LeaseExpiresUtc,
        IReadOnlyList<LabelSpec> Labels,
        Suggestion? Suggestion,
        SelectionReason? Why)
    {
        public static NextItem From(ServedItem item, IReadOnlyList<LabelSpec> labels) => new(
            item.ItemId, item.ProjectId, item.Kind, item.Text, item.ContentUrl, item.LeaseExpiresUtc, labels, item.Suggestion, item.Why);
    }

    private static async Task<Results<PhysicalFileHttpResult, NotFound>> GetContentAsync(
        int projectId, long itemId, HttpContext http, ItemLeaseService leases, BlobStore blobs, CancellationToken cancellationToken)
    {
        var (hash, mediaType) = await leases.GetContentAsync(http.User.ToCaller(), projectId, itemId, cancellationToken);
        if (hash is null || !blobs.Exists(hash))
        {
            return TypedResults.NotFound();
        }
        // Content-addressed: the bytes behind this URL never change, so browsers may keep them.
        http.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        return TypedResults.PhysicalFile(blobs.PathOf(hash), mediaType ?? "application/octet-stream",
            entityTag: new EntityTagHeaderValue($"\"{hash}\""));
    }

    private static async Task<Results<Ok<NextItem>, NoContent>> NextAsync(
        int projectId, HttpContext http, [AsParameters] WorkspaceServices services, CancellationToken cancellationToken)
    {
        var caller = http.User.ToCaller();
        var items = await services.Leases.NextAsync(caller, projectId, 1, cancellationToken);
        if (items.Count == 0)
        {
            return TypedResults.NoContent();
        }
        // The label set is cached per node (ProjectService), so this costs no extra query on most calls.
        var labels = await services.Projects.GetLabelsAsync(caller, projectId, cancellationToken);
        return TypedResults.Ok(NextItem.From(items[0], labels));
    }

    private static async Task<Results<Created<AnnotationCreated>, Ok<AnnotationCreated>>> CreateAnnotationAsync(
        int projectId,
        CreateAnnotationRequest request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        HttpContext http,
        AnnotationService annotations,
        CancellationToken cancellationToken)
    {
        // The service refuses (409) a key used for another request and an answer its lease, the item's overlap or the
        // label budget does not allow.
        var result = await annotations.SubmitAsync(http.User.ToCaller(), projectId,
            new SubmitAnnotation(request.ItemId, request.Label, request.Skip, request.Comment, idempotencyKey, request.LeadTimeSeconds), cancellationToken);
        var body = new AnnotationCreated(result.AnnotationId, request.ItemId, result.ItemStatus.ToString());
        return result.Created
            ? TypedResults.Created($"/api/v1/projects/{projectId}/annotations/{result.AnnotationId}", body)
            : TypedResults.Ok(body);
    }

    /// <summary>The services the labeling endpoints share.</summary>
    public sealed record WorkspaceServices(ProjectService Projects, ItemLeaseService Leases, AnnotationService Annotations);
}
