using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Annotations;
using LabelLoop.Data.Blobs;
using LabelLoop.Data.Items;
using LabelLoop.Data.Projects;
using LabelLoop.Web.Accounts;
using LabelLoop.Web.Components.Pages.Labeling;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace LabelLoop.Web.Api;

/// <summary>The workspace's htmx endpoints, the review form, item content, and the labeling API.</summary>
public static class LabelingEndpoints
{
    public static IEndpointRouteBuilder MapLabelingEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/projects/{projectId:int}/label/submit", SubmitFromWorkspaceAsync);
        app.MapPost("/projects/{projectId:int}/label/undo", UndoFromWorkspaceAsync);
        app.MapPost("/projects/{projectId:int}/review/{itemId:long}", ResolveFromReviewAsync);

        var api = app.MapGroup("/api/v1/projects/{projectId:int}").WithTags("Labeling");
        api.MapGet("/items/{itemId:long}/content", GetContentAsync).RequireScope(ApiScopes.Read)
            .WithName("GetItemContent").WithSummary("An image item's bytes (content-addressed, cacheable).")
            .Produces(StatusCodes.Status200OK, null, "image/png", "image/jpeg", "image/gif", "image/bmp", "application/octet-stream");
        api.MapPost("/next", NextAsync).RequireScope(ApiScopes.Label)
            .WithName("NextItem")
            .WithSummary("Leases the next item to the caller, as the workspace does: the caller's live lease first, then the best-ranked free item. 204 when none is left.");
        api.MapPost("/annotations", CreateAnnotationAsync).RequireScope(ApiScopes.Label)
            .WithName("CreateAnnotation")
            .WithSummary("Labels (or skips) an item.")
            .WithDescription(
                "201 with the new annotation. Retries are safe: send an `Idempotency-Key` header (up to 100 characters, unique per " +
                "caller); a repeat with the same key, or a second answer by the same caller for the same item, stores nothing and " +
                "answers 200 with the first annotation. A key already used for another item is a 409.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>The request body of <c>POST /api/v1/projects/{id}/annotations</c>.</summary>
    public sealed record CreateAnnotationRequest(long ItemId, string? Label, bool Skip = false, string? Comment = null, double? LeadTimeSeconds = null);

    /// <summary>The response of <c>POST /api/v1/projects/{id}/annotations</c>.</summary>
    public sealed record AnnotationCreated(long Id, long ItemId, string ItemStatus);

    private static async Task<IResult> SubmitFromWorkspaceAsync(
        int projectId,
        [FromForm] long itemId,
        [FromForm] string? label,
        [FromForm] bool? skip,
        [FromForm] string? comment,
        [FromForm] string? key,
        [FromForm] string? leadMs,
        HttpContext http,
        [AsParameters] WorkspaceServices services,
        CancellationToken cancellationToken)
    {
        var caller = http.User.ToCaller();
        double? lead = double.TryParse(leadMs, System.Globalization.CultureInfo.InvariantCulture, out var ms) ? ms / 1000 : null;
        var request = new SubmitAnnotation(itemId, label, skip ?? false, comment, key, lead);
        if (!http.Request.Headers.ContainsKey("HX-Request"))
        {
            await services.Annotations.SubmitAsync(caller, projectId, request, cancellationToken);
            return TypedResults.LocalRedirect($"/projects/{projectId}/label");
        }
        // The label and the next lease share one transaction; the current item plus one prefetched.
        var round = await services.Annotations.SubmitAndNextAsync(caller, projectId, request, count: 2, cancellationToken);
        var labels = await services.Projects.GetLabelsAsync(caller, projectId, cancellationToken);
        return Card(projectId, labels, round.Next, round.Submitted.AnnotationId, round.Progress);
    }

    private static async Task<IResult> UndoFromWorkspaceAsync(
        int projectId,
        [FromForm] long annotationId,
        HttpContext http,
        [AsParameters] WorkspaceServices services,
        CancellationToken cancellationToken)
    {
        var caller = http.User.ToCaller();
        await services.Annotations.UndoAsync(caller, projectId, annotationId, cancellationToken);
        return await NextCardAsync(http, projectId, caller, services, null, cancellationToken);
    }

    private static async Task<IResult> NextCardAsync(
        HttpContext http, int projectId, Caller caller, WorkspaceServices services, long? lastAnnotationId, CancellationToken cancellationToken)
    {
        if (!http.Request.Headers.ContainsKey("HX-Request"))
        {
            // Without htmx (no script), the form posted normally: back to the page, which shows the next item.
            return TypedResults.LocalRedirect($"/projects/{projectId}/label");
        }
        var labels = await services.Projects.GetLabelsAsync(caller, projectId, cancellationToken);
        var items = await services.Leases.NextAsync(caller, projectId, count: 2, cancellationToken);
        var progress = await services.Annotations.ProgressAsync(caller, projectId, cancellationToken);
        return Card(projectId, labels, items, lastAnnotationId, progress);
    }

    private static RazorComponentResult<ItemCard> Card(
        int projectId, IReadOnlyList<LabelSpec> labels, IReadOnlyList<ServedItem> items, long? lastAnnotationId, AnnotatorProgress progress) =>
        new(new Dictionary<string, object?>
        {
            [nameof(ItemCard.ProjectId)] = projectId,
            [nameof(ItemCard.Labels)] = labels,
            [nameof(ItemCard.Item)] = items.ElementAtOrDefault(0),
            [nameof(ItemCard.Prefetch)] = items.ElementAtOrDefault(1),
            [nameof(ItemCard.LastAnnotationId)] = lastAnnotationId,
            [nameof(ItemCard.Progress)] = progress,
        });

    private static async Task<RedirectHttpResult> ResolveFromReviewAsync(
        int projectId, long itemId, [FromForm] string label, HttpContext http, AnnotationService annotations, CancellationToken cancellationToken)
    {
        await annotations.ResolveAsync(http.User.ToCaller(), projectId, itemId, label, cancellationToken);
        return TypedResults.LocalRedirect($"/projects/{projectId}/review");
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

    private static async Task<Results<Ok<ServedItem>, NoContent>> NextAsync(
        int projectId, HttpContext http, ItemLeaseService leases, CancellationToken cancellationToken)
    {
        var items = await leases.NextAsync(http.User.ToCaller(), projectId, 1, cancellationToken);
        return items.Count == 0 ? TypedResults.NoContent() : TypedResults.Ok(items[0]);
    }

    private static async Task<Results<Created<AnnotationCreated>, Ok<AnnotationCreated>, ProblemHttpResult>> CreateAnnotationAsync(
        int projectId,
        CreateAnnotationRequest request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        HttpContext http,
        AnnotationService annotations,
        CancellationToken cancellationToken)
    {
        var caller = http.User.ToCaller();
        var result = await annotations.SubmitAsync(caller, projectId,
            new SubmitAnnotation(request.ItemId, request.Label, request.Skip, request.Comment, idempotencyKey, request.LeadTimeSeconds), cancellationToken);
        if (!result.Created && idempotencyKey is not null
            && (await annotations.GetAsync(caller, projectId, result.AnnotationId, cancellationToken)).ItemId != request.ItemId)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", type: "urn:labelloop:problem:409",
                detail: $"The Idempotency-Key '{idempotencyKey}' was already used for annotation {result.AnnotationId} of another item.");
        }
        var body = new AnnotationCreated(result.AnnotationId, request.ItemId, result.ItemStatus.ToString());
        return result.Created
            ? TypedResults.Created($"/api/v1/projects/{projectId}/annotations/{result.AnnotationId}", body)
            : TypedResults.Ok(body);
    }

    /// <summary>The services the workspace endpoints share.</summary>
    public sealed record WorkspaceServices(ProjectService Projects, ItemLeaseService Leases, AnnotationService Annotations);
}
