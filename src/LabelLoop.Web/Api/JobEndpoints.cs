using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Strategies;
using LabelLoop.Data.Jobs;
using LabelLoop.Data.Models;
using LabelLoop.Data.Projects;
using LabelLoop.Jobs;
using LabelLoop.Jobs.Simulation;
using LabelLoop.Web.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace LabelLoop.Web.Api;

/// <summary>
/// Job runs (list, "retrain now", cancel, retry) as JSON under /api/v1, a project's learning-loop settings, and the
/// dashboard's simulate form.
/// </summary>
public static class JobEndpoints
{
    public static IEndpointRouteBuilder MapJobEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Jobs");
        api.MapGet("/projects/{projectId:int}/jobs", ListAsync).RequireScope(ApiScopes.Read)
            .WithName("ListJobs").WithSummary("The project's job runs, newest first.");
        api.MapPost("/projects/{projectId:int}/jobs/retrain", RetrainAsync).RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy)
            .WithName("RetrainNow")
            .WithSummary("Retrain now: queues a train-and-score run (or answers with the one already queued); poll its Location.");
        api.MapPost("/projects/{projectId:int}/jobs/pretrain", PretrainAsync).RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy)
            .WithName("PretrainNow")
            .WithSummary("Pretrain now: queues a self-supervised pretraining of the project's encoder on its pool (or answers with the one already queued).");
        api.MapGet("/jobs/{jobId:long}", GetAsync).RequireScope(ApiScopes.Read)
            .WithName("GetJob").WithSummary("One job run: status, progress, message, error, timings.");
        api.MapPost("/jobs/{jobId:long}/cancel", CancelAsync).RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy)
            .WithName("CancelJob").WithSummary("Cancels a queued or running job run; a finished one is returned as it is.");
        api.MapGet("/projects/{projectId:int}/loop", GetLoopAsync).RequireScope(ApiScopes.Read)
            .WithName("GetLoopSettings").WithSummary("The learning loop's settings: when to retrain, committee size, strategy.");
        api.MapPut("/projects/{projectId:int}/loop", PutLoopAsync).RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy)
            .WithName("UpdateLoopSettings").WithSummary("Changes the learning loop's settings.");
        api.MapPost("/jobs/{jobId:long}/retry", RetryAsync).RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy)
            .WithName("RetryJob").WithSummary("Runs a failed or cancelled job run again as a new run.");
        api.MapGet("/projects/{projectId:int}/loop/history", GetLoopHistoryAsync).RequireScope(ApiScopes.Read)
            .WithName("GetLoopSettingsHistory").WithSummary("Every change to the learning loop's settings: who, when, old and new value.");
        api.MapGet("/projects/{projectId:int}/stopping-signal", StoppingSignalAsync).RequireScope(ApiScopes.Read)
            .WithName("GetStoppingSignal").WithSummary("Whether more labels still change the model: stop-set agreement between versions and the audit curve.");
        api.MapPost("/projects/{projectId:int}/jobs/simulate", SimulateAsync).RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy)
            .WithName("SimulateNow").WithSummary("Queues a simulation of the loop on the project's items with ground truth; the curves land with the run.");
        api.MapGet("/projects/{projectId:int}/simulations/{jobId:long}/{file}", SimulationFileAsync).RequireScope(ApiScopes.Read)
            .WithName("GetSimulationFile")
            .WithSummary("A finished simulation's output: `curves.csv` (strategy,seed,labels,accuracy), `summary.json` or `curves.svg`.");

        return app;
    }

    private static async Task<Ok<Page<JobRunView>>> ListAsync(
        int projectId, HttpContext http, JobRunService runs, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var size = Paging.Limit(limit);
        var rows = await runs.ListPageAsync(http.User.ToCaller(), projectId, Paging.After(cursor), Paging.Take(size), cancellationToken);
        return TypedResults.Ok(Paging.ToPage(rows, size, r => r.Id));
    }

    private static async Task<Ok<JobRunView>> GetAsync(long jobId, HttpContext http, JobRunService runs, CancellationToken cancellationToken) =>
        TypedResults.Ok(await runs.GetAsync(http.User.ToCaller(), jobId, cancellationToken));

    private static async Task<Accepted<JobRunView>> RetrainAsync(int projectId, HttpContext http, JobQueue queue, CancellationToken cancellationToken)
    {
        var run = await queue.RetrainNowAsync(http.User.ToCaller(), projectId, cancellationToken);
        return TypedResults.Accepted($"/api/v1/jobs/{run.Id}", run);
    }

    private static async Task<Accepted<JobRunView>> PretrainAsync(int projectId, HttpContext http, JobQueue queue, CancellationToken cancellationToken)
    {
        var run = await queue.PretrainNowAsync(http.User.ToCaller(), projectId, cancellationToken);
        return TypedResults.Accepted($"/api/v1/jobs/{run.Id}", run);
    }

    private static async Task<Ok<JobRunView>> CancelAsync(long jobId, HttpContext http, JobQueue queue, CancellationToken cancellationToken) =>
        TypedResults.Ok(await queue.CancelAsync(http.User.ToCaller(), jobId, cancellationToken));

    private static async Task<Accepted<JobRunView>> RetryAsync(long jobId, HttpContext http, JobQueue queue, CancellationToken cancellationToken)
    {
        var run = await queue.RetryAsync(http.User.ToCaller(), jobId, cancellationToken);
        return TypedResults.Accepted($"/api/v1/jobs/{run.Id}", run);
    }

    private static async Task<Ok<IReadOnlyList<LoopSettingChangeView>>> GetLoopHistoryAsync(
        int projectId, HttpContext http, LoopSettingsService loop, int? limit, CancellationToken cancellationToken) =>
        TypedResults.Ok(await loop.HistoryAsync(http.User.ToCaller(), projectId, limit ?? 50, cancellationToken));

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

    private static readonly Dictionary<string, string> SimulationFiles = new(StringComparer.Ordinal)
    {
        ["curves.csv"] = "text/csv",
        ["summary.json"] = "application/json",
        ["curves.svg"] = "image/svg+xml",
    };

    private static async Task<Results<PhysicalFileHttpResult, NotFound<ProblemDetails>>> SimulationFileAsync(
        int projectId, long jobId, string file, HttpContext http, JobRunService runs, SimulationRunner simulations, CancellationToken cancellationToken)
    {
        // A fixed set of names: the path never comes from the request.
        if (!SimulationFiles.TryGetValue(file, out var contentType))
        {
            return TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "Not found", Detail = $"A simulation has curves.csv, summary.json and curves.svg; not '{file}'." });
        }
        var run = await runs.GetAsync(http.User.ToCaller(), jobId, cancellationToken);
        var path = Path.Combine(simulations.OutputDirectory(jobId), file);
        if (run.ProjectId != projectId || run.Kind != JobKind.Simulate || run.Status != JobStatus.Succeeded || !File.Exists(path))
        {
            return TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "Not found", Detail = $"Project {projectId} has no finished simulation {jobId}." });
        }
        // Opened on its own, an SVG is a document: the sandboxing policy keeps it from running anything.
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
        return TypedResults.PhysicalFile(path, contentType);
    }
}
