using LabelLoop.Core.Accounts;
using LabelLoop.Core.Models;
using LabelLoop.Core.Predictions;
using LabelLoop.Data.Models;
using LabelLoop.Data.Predictions;
using LabelLoop.Web.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LabelLoop.Web.Api;

/// <summary>What training produced: model versions with metrics, predictions, and the ranking with "why this item".</summary>
public static class PredictionsApi
{
    public static IEndpointRouteBuilder MapPredictionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/projects/{projectId:int}").WithTags("Models and predictions");
        api.MapGet("/model-versions", ListVersionsAsync).RequireScope(ApiScopes.Read)
            .WithName("ListModelVersions").WithSummary("The project's model versions, newest first, with their training metrics.");
        api.MapGet("/model-versions/{version:int}", GetVersionAsync).RequireScope(ApiScopes.Read)
            .WithName("GetModelVersion").WithSummary("One model version by its number.");
        api.MapGet("/predictions", ListPredictionsAsync).RequireScope(ApiScopes.Read)
            .WithName("ListPredictions")
            .WithSummary("Predictions of the active model version (or of `version`) in item order: label, probabilities, score, rank.");
        api.MapGet("/ranking", RankingAsync).RequireScope(ApiScopes.Read)
            .WithName("GetRanking")
            .WithSummary("The active ranking, best first: the order items are served in, each with why it was chosen.");
        api.MapGet("/encoder-versions", ListEncodersAsync).RequireScope(ApiScopes.Read)
            .WithName("ListEncoderVersions")
            .WithSummary("The project's pretrained encoders, newest first: pretraining figures and k-NN / linear-probe accuracy of their embeddings.");
        return app;
    }

    private static async Task<Ok<Page<EncoderVersionView>>> ListEncodersAsync(
        int projectId, HttpContext http, EncoderVersionService encoders, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var size = Paging.Limit(limit);
        var rows = await encoders.ListAsync(http.User.ToCaller(), projectId, Paging.After(cursor), Paging.Take(size), cancellationToken);
        return TypedResults.Ok(Paging.ToPage(rows, size, e => e.Id));
    }

    private static async Task<Ok<Page<ModelVersionView>>> ListVersionsAsync(
        int projectId, HttpContext http, PredictionService predictions, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var size = Paging.Limit(limit);
        var rows = await predictions.ListModelVersionsAsync(http.User.ToCaller(), projectId, Paging.After(cursor), Paging.Take(size), cancellationToken);
        return TypedResults.Ok(Paging.ToPage(rows, size, v => v.Id));
    }

    private static async Task<Ok<ModelVersionView>> GetVersionAsync(
        int projectId, int version, HttpContext http, PredictionService predictions, CancellationToken cancellationToken) =>
        TypedResults.Ok(await predictions.GetModelVersionAsync(http.User.ToCaller(), projectId, version, cancellationToken));

    private static async Task<Ok<Page<PredictionView>>> ListPredictionsAsync(
        int projectId, HttpContext http, PredictionService predictions, int? version, string? label, int? limit, string? cursor,
        CancellationToken cancellationToken)
    {
        var size = Paging.Limit(limit);
        var rows = await predictions.ListPredictionsAsync(http.User.ToCaller(), projectId, version, label, Paging.After(cursor), Paging.Take(size), cancellationToken);
        return TypedResults.Ok(Paging.ToPage(rows, size, p => p.ItemId));
    }

    private static async Task<Ok<Page<RankedItem>>> RankingAsync(
        int projectId, HttpContext http, PredictionService predictions, bool? openOnly, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var size = Paging.Limit(limit);
        var rows = await predictions.RankingAsync(http.User.ToCaller(), projectId, Paging.After(cursor), Paging.Take(size), openOnly ?? true, cancellationToken);
        return TypedResults.Ok(Paging.ToPage(rows, size, r => r.Rank));
    }
}
