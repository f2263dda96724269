using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Data.Annotations;
using LabelLoop.Web.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LabelLoop.Web.Api;

/// <summary>
/// Reading a project's annotations under <c>/api/v1/projects/{id}/annotations</c> (creating one is
/// <see cref="LabelingEndpoints"/>' POST, beside the lease it answers).
/// </summary>
public static class AnnotationsApi
{
    public static IEndpointRouteBuilder MapAnnotationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/projects/{projectId:int}/annotations").WithTags("Annotations");
        api.MapGet("", ListAsync).RequireScope(ApiScopes.Read)
            .WithName("ListAnnotations")
            .WithSummary("The project's annotations in id order; annotators see their own, reviewers and admins everyone's.");
        api.MapGet("/{annotationId:long}", GetAsync).RequireScope(ApiScopes.Read)
            .WithName("GetAnnotation").WithSummary("One annotation.");
        return app;
    }

    private static async Task<Ok<Page<AnnotationView>>> ListAsync(
        int projectId,
        HttpContext http,
        AnnotationService annotations,
        long? itemId,
        string? userId,
        string? label,
        DateTime? since,
        int? limit,
        string? cursor,
        CancellationToken cancellationToken)
    {
        var size = Paging.Limit(limit);
        var filter = new AnnotationFilter(itemId, userId, label, since is { } t ? AsUtc(t) : null);
        var rows = await annotations.ListAsync(http.User.ToCaller(), projectId, filter, Paging.After(cursor), Paging.Take(size), cancellationToken);
        return TypedResults.Ok(Paging.ToPage(rows, size, a => a.Id));
    }

    // A time without an offset is read as UTC, the API's only zone.
    private static DateTime AsUtc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Utc => t,
        DateTimeKind.Local => t.ToUniversalTime(),
        _ => DateTime.SpecifyKind(t, DateTimeKind.Utc),
    };

    private static async Task<Ok<AnnotationView>> GetAsync(
        int projectId, long annotationId, HttpContext http, AnnotationService annotations, CancellationToken cancellationToken) =>
        TypedResults.Ok(await annotations.GetAsync(http.User.ToCaller(), projectId, annotationId, cancellationToken));
}
