using LabelLoop.Core.Accounts;
using LabelLoop.Data.Stats;
using LabelLoop.Web.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LabelLoop.Web.Api;

/// <summary>
/// The dashboard's numbers as JSON: the same <see cref="ProjectStatsService"/> calls the pages make, so the API and
/// the pages cannot disagree. Admins, and reviewers who are members; everyone else 403.
/// </summary>
public static class StatsEndpoints
{
    public static IEndpointRouteBuilder MapStatsEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/projects/{projectId:int}/stats").WithTags("Stats");
        api.MapGet("", GetStatsAsync).RequireScope(ApiScopes.Read)
            .WithName("GetProjectStats").WithSummary("The dashboard's overview figures: items by state, label distribution, labels per day, budget.");
        api.MapGet("/annotators", GetAnnotatorsAsync).RequireScope(ApiScopes.Read)
            .WithName("GetAnnotatorStats").WithSummary("Per annotator: labels, skips, median time per item, agreement with the final label and the model.");
        api.MapGet("/agreement", GetAgreementAsync).RequireScope(ApiScopes.Read)
            .WithName("GetAgreement").WithSummary("Inter-annotator agreement on overlapped items: Cohen's kappa per pair, Fleiss' kappa and Krippendorff's alpha.");
        return app;
    }

    private static async Task<Ok<ProjectStats>> GetStatsAsync(
        int projectId, int? days, HttpContext http, ProjectStatsService stats, CancellationToken cancellationToken) =>
        TypedResults.Ok(await stats.GetStatsAsync(http.User.ToCaller(), projectId, days ?? ProjectStatsService.DefaultDays, cancellationToken));

    private static async Task<Ok<AnnotatorStats>> GetAnnotatorsAsync(
        int projectId, int? days, HttpContext http, ProjectStatsService stats, CancellationToken cancellationToken) =>
        TypedResults.Ok(await stats.GetAnnotatorsAsync(http.User.ToCaller(), projectId, days ?? ProjectStatsService.DefaultDays, cancellationToken));

    private static async Task<Ok<AgreementStats>> GetAgreementAsync(int projectId, HttpContext http, ProjectStatsService stats, CancellationToken cancellationToken) =>
        TypedResults.Ok(await stats.GetAgreementAsync(http.User.ToCaller(), projectId, cancellationToken));
}
