using System.Globalization;
using LabelLoop.Data.Webhooks;
using LabelLoop.Web.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LabelLoop.Web.Api;

/// <summary>A project's webhooks and their delivery logs: admins only (admin role and a token with the admin scope).</summary>
public static class WebhookEndpoints
{
    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/projects/{projectId:int}/webhooks").WithTags("Webhooks")
            .RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy);
        api.MapGet("", ListAsync);
        api.MapPost("", CreateAsync);
        api.MapGet("/{webhookId:int}", GetAsync);
        api.MapDelete("/{webhookId:int}", DeleteAsync);
        api.MapGet("/{webhookId:int}/deliveries", DeliveriesAsync);
        return app;
    }

    /// <summary>The body of <c>POST /api/v1/projects/{id}/webhooks</c>.</summary>
    /// <param name="Url">Absolute http(s) URL without user information.</param>
    /// <param name="Events">Any of annotation.created, model.trained, export.completed.</param>
    public sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? Events);

    private static async Task<Ok<Page<WebhookView>>> ListAsync(
        int projectId, int? limit, string? cursor, HttpContext http, WebhookService webhooks, CancellationToken cancellationToken)
    {
        var take = Paging.Limit(limit);
        var rows = await webhooks.ListAsync(http.User.ToCaller(), projectId, Paging.After(cursor), Paging.Take(take), cancellationToken);
        return TypedResults.Ok(Paging.ToPage(rows, take, w => w.Id));
    }

    private static async Task<Created<CreatedWebhook>> CreateAsync(
        int projectId, CreateWebhookRequest request, HttpContext http, WebhookService webhooks, CancellationToken cancellationToken)
    {
        var created = await webhooks.CreateAsync(http.User.ToCaller(), projectId, request.Url, request.Events, cancellationToken);
        return TypedResults.Created(
            string.Create(CultureInfo.InvariantCulture, $"/api/v1/projects/{projectId}/webhooks/{created.Webhook.Id}"), created);
    }

    private static async Task<Ok<WebhookView>> GetAsync(
        int projectId, int webhookId, HttpContext http, WebhookService webhooks, CancellationToken cancellationToken) =>
        TypedResults.Ok(await webhooks.GetAsync(http.User.ToCaller(), projectId, webhookId, cancellationToken));

    private static async Task<NoContent> DeleteAsync(
        int projectId, int webhookId, HttpContext http, WebhookService webhooks, CancellationToken cancellationToken)
    {
        await webhooks.DeleteAsync(http.User.ToCaller(), projectId, webhookId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Page<WebhookDeliveryView>>> DeliveriesAsync(
        int projectId, int webhookId, int? limit, string? cursor, HttpContext http, WebhookService webhooks, CancellationToken cancellationToken)
    {
        var take = Paging.Limit(limit);
        // Newest first: the next page holds the ids below the cursor.
        var rows = await webhooks.ListDeliveriesAsync(http.User.ToCaller(), projectId, webhookId, Paging.After(cursor), Paging.Take(take), cancellationToken);
        return TypedResults.Ok(Paging.ToPage(rows, take, d => d.Id));
    }
}
