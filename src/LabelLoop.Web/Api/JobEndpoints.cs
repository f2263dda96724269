using LabelLoop.Core.Jobs;
using LabelLoop.Core.Strategies;
using LabelLoop.Data.Jobs;
using LabelLoop.Data.Models;
using LabelLoop.Data.Projects;
using LabelLoop.Jobs;
using LabelLoop.Jobs.Simulation;
using LabelLoop.Web.Accounts;
using LabelLoop.Web.Components.Pages.Projects;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LabelLoop.Web.Api;

/// <summary>
/// Job runs (the list pages poll, "retrain now", cancel) as JSON under /api/v1 and as htmx fragments, and a
/// project's learning-loop settings.
/// </summary>
public static class JobEndpoints
{
    public static IEndpointRouteBuilder MapJobEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Jobs");
        api.MapGet("/projects/{projectId:int}/jobs", ListAsync);
        api.MapPost("/projects/{projectId:int}/jobs/retrain", RetrainAsync).RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy);
        api.MapGet("/jobs/{jobId:long}", GetAsync);
        api.MapPost("/jobs/{jobId:long}/cancel", CancelAsync).RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy);
        api.MapGet("/projects/{projectId:int}/loop", GetLoopAsync);
        api.MapPut("/projects/{projectId:int}/loop", PutLoopAsync).RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy);
        api.MapGet("/projects/{projectId:int}/stopping-signal", StoppingSignalAsync);
        api.MapPost("/projects/{projectId:int}/jobs/simulate", SimulateAsync).RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy);

        // The project page's job panel: polled every two seconds, and its two buttons (forms with antiforgery).
        app.MapGet("/projects/{projectId:int}/jobs", JobListFragmentAsync);
        app.MapPost("/projects/{projectId:int}/jobs/retrain", RetrainFromPageAsync).RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy);
        app.MapPost("/projects/{projectId:int}/jobs/{jobId:long}/cancel", CancelFromPageAsync).RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy);
        return app;
    }

    private static async Task<Ok<IReadOnlyList<JobRunView>>> ListAsync(
        int projectId, HttpContext http, JobRunService runs, int? limit, CancellationToken cancellationToken) =>
        TypedResults.Ok(await runs.ListAsync(http.User.ToCaller(), projectId, limit ?? 20, cancellationToken));

    private static async Task<Ok<JobRunView>> GetAsync(long jobId, HttpContext http, JobRunService runs, CancellationToken cancellationToken) =>
        TypedResults.Ok(await runs.GetAsync(http.User.ToCaller(), jobId, cancellationToken));

    private static async Task<Accepted<JobRunView>> RetrainAsync(int projectId, HttpContext http, JobQueue queue, CancellationToken cancellationToken)
    {
        var run = await queue.RetrainNowAsync(http.User.ToCaller(), projectId, cancellationToken);
        return TypedResults.Accepted($"/api/v1/jobs/{run.Id}", run);
    }

    private static async Task<Ok<JobRunView>> CancelAsync(long jobId, HttpContext http, JobQueue queue, CancellationToken cancellationToken) =>
        TypedResults.Ok(await queue.CancelAsync(http.User.ToCaller(), jobId, cancellationToken));

    private static async Task<Ok<LoopSettings>> GetLoopAsync(int projectId, HttpContext http, LoopSettingsService loop, CancellationToken cancellationToken) =>
        TypedResults.Ok(await loop.GetAsync(http.User.ToCaller(), projectId, cancellationToken));

    private static async Task<Ok<LoopSettings>> PutLoopAsync(
        int projectId, LoopSettings settings, HttpContext http, LoopSettingsService loop, CancellationToken cancellationToken) =>
        TypedResults.Ok(await loop.UpdateAsync(http.User.ToCaller(), projectId, settings, cancellationToken));

    private static async Task<Ok<StoppingDecision>> StoppingSignalAsync(
        int projectId, HttpContext http, ProjectService projects, ModelVersionService versions, CancellationToken cancellationToken)
    {
        await projects.EnsureAccessAsync(http.User.ToCaller(), projectId, cancellationToken);
        return TypedResults.Ok(await versions.GetStoppingSignalAsync(projectId, cancellationToken));
    }

    private static async Task<Accepted<JobRunView>> SimulateAsync(
        int projectId, SimulationParameters? parameters, HttpContext http, JobQueue queue, CancellationToken cancellationToken)
    {
        var run = await queue.RequestSimulationAsync(http.User.ToCaller(), projectId, parameters ?? new SimulationParameters(), cancellationToken);
        return TypedResults.Accepted($"/api/v1/jobs/{run.Id}", run);
    }

    private static async Task<RazorComponentResult<JobList>> JobListFragmentAsync(
        int projectId, HttpContext http, JobRunService runs, CancellationToken cancellationToken)
    {
        var caller = http.User.ToCaller();
        var list = await runs.ListAsync(caller, projectId, 10, cancellationToken);
        return Fragment(projectId, caller.IsAdmin, list);
    }

    private static async Task<IResult> RetrainFromPageAsync(int projectId, HttpContext http, JobQueue queue, JobRunService runs, CancellationToken cancellationToken)
    {
        var caller = http.User.ToCaller();
        await queue.RetrainNowAsync(caller, projectId, cancellationToken);
        return await PageResultAsync(projectId, http, runs, cancellationToken);
    }

    private static async Task<IResult> CancelFromPageAsync(
        int projectId, long jobId, HttpContext http, JobQueue queue, JobRunService runs, CancellationToken cancellationToken)
    {
        var caller = http.User.ToCaller();
        var run = await runs.GetAsync(caller, jobId, cancellationToken);
        if (run.ProjectId != projectId)
        {
            return TypedResults.NotFound();
        }
        await queue.CancelAsync(caller, jobId, cancellationToken);
        return await PageResultAsync(projectId, http, runs, cancellationToken);
    }

    private static async Task<IResult> PageResultAsync(int projectId, HttpContext http, JobRunService runs, CancellationToken cancellationToken)
    {
        if (!http.Request.Headers.ContainsKey("HX-Request"))
        {
            return TypedResults.LocalRedirect($"/projects/{projectId}");
        }
        var caller = http.User.ToCaller();
        return Fragment(projectId, caller.IsAdmin, await runs.ListAsync(caller, projectId, 10, cancellationToken));
    }

    private static RazorComponentResult<JobList> Fragment(int projectId, bool isAdmin, IReadOnlyList<JobRunView> runs) =>
        new(new Dictionary<string, object?>
        {
            [nameof(JobList.ProjectId)] = projectId,
            [nameof(JobList.CanManage)] = isAdmin,
            [nameof(JobList.Runs)] = runs,
        });
}
