using LabelLoop.Core.Import;
using LabelLoop.Data;
using LabelLoop.Data.Import;
using LabelLoop.Data.Projects;
using LabelLoop.Jobs;
using LabelLoop.Web.Accounts;
using LabelLoop.Web.Components.Pages.Projects;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace LabelLoop.Web.Api;

public static class ImportEndpoints
{
    /// <summary>POST /projects/{id}/import: the project page's upload form (zip, JSONL or CSV); renders the report.</summary>
    public static IEndpointRouteBuilder MapImportEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/projects/{projectId:int}/import", ImportUploadAsync)
            .RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.DisableRequestSizeLimitAttribute());
        return app;
    }

    private static async Task<Results<RazorComponentResult<ImportResult>, BadRequest<string>>> ImportUploadAsync(
        int projectId,
        IFormFile? file,
        [FromForm] bool? addMissingLabels,
        HttpContext http,
        ProjectService projects,
        ImportService imports,
        JobQueue queue,
        IOptions<UploadLimits> limits,
        IOptions<ImportLimits> importLimits,
        IOptions<LabelLoopStorageOptions> storage,
        CancellationToken cancellationToken)
    {
        var caller = http.User.ToCaller();
        var project = await projects.GetAsync(caller, projectId, cancellationToken);
        if (file is null || file.Length == 0)
        {
            return TypedResults.BadRequest("Choose a file to import (.zip of images, .jsonl or .csv).");
        }
        if (file.Length > limits.Value.MaxUploadBytes)
        {
            return TypedResults.BadRequest($"The upload is {file.Length} bytes, over the {limits.Value.MaxUploadBytes}-byte limit.");
        }
        if (importLimits.Value.CheckUpload(file.FileName, file.Length) is { } tooLong)
        {
            return TypedResults.BadRequest(tooLong);
        }
        if (file.Length > limits.Value.InlineMaxBytes)
        {
            // Large uploads are saved and imported by a job; the page follows it in the job list.
            var folder = Path.Combine(storage.Value.UploadsDir, Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, "upload" + SafeExtension(file.FileName));
            await using (var target = File.Create(path))
            {
                await file.CopyToAsync(target, cancellationToken);
            }
            var run = await queue.QueueImportAsync(caller, projectId, Path.GetRelativePath(storage.Value.UploadsDir, path),
                Path.GetFileName(file.FileName), addMissingLabels ?? true, cancellationToken);
            return new RazorComponentResult<ImportResult>(new { Project = project, FileName = file.FileName, QueuedRunId = (long?)run.Id });
        }
        ImportReport report;
        try
        {
            using var opened = OpenedImport.OpenFile(file.FileName, file.OpenReadStream());
            report = await imports.ImportAsync(projectId, opened.Listing, addMissingLabels ?? true, cancellationToken: cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            report = new ImportReport(0, 0, [], [new ImportError(file.FileName, ex.Message)]);
        }
        return new RazorComponentResult<ImportResult>(new { Project = project, Report = report, FileName = file.FileName });
    }

    /// <summary>The upload's extension if it is one the importer reads (it decides the format), else none.</summary>
    private static string SafeExtension(string fileName)
    {
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        return extension is ".zip" or ".jsonl" or ".csv" ? extension : "";
    }
}
