using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Import;
using LabelLoop.Core.Items;
using LabelLoop.Data;
using LabelLoop.Data.Import;
using LabelLoop.Data.Items;
using LabelLoop.Data.Projects;
using LabelLoop.Web.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace LabelLoop.Web.Api;

/// <summary>A project's items under <c>/api/v1/projects/{id}/items</c>: list, read, and bulk import.</summary>
public static class ItemsApi
{
    /// <summary>
    /// What an import stored: new items, items the project already had, labels added to the label set, and records
    /// (or images) skipped because they repeat an earlier one of the same upload.
    /// </summary>
    public sealed record ImportResponse(int Added, int AlreadyPresent, IReadOnlyList<string> LabelsAdded, int DuplicatesSkipped, string? Augmentations = null);

    private static readonly string[] JsonlTypes = ["application/x-ndjson", "application/jsonl", "application/json-lines", "application/x-jsonlines", "text/jsonl"];
    private static readonly string[] CsvTypes = ["text/csv", "application/csv"];
    private static readonly string[] ZipTypes = ["application/zip", "application/x-zip-compressed"];

    public static IEndpointRouteBuilder MapItemsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/projects/{projectId:int}/items").WithTags("Items");
        api.MapGet("", ListAsync).RequireScope(ApiScopes.Read)
            .WithName("ListItems").WithSummary("The project's items in id order, optionally by state and final label.");
        api.MapGet("/{itemId:long}", GetAsync).RequireScope(ApiScopes.Read)
            .WithName("GetItem").WithSummary("One item.");
        api.MapPost("", ImportAsync).RequireScope(ApiScopes.Write)
            .WithName("ImportItems")
            .WithSummary("Imports items, all or nothing (admins).")
            .WithDescription(
                "The body is a JSONL file (`application/x-ndjson`: lines `{\"id\":...,\"text\":...,\"label\":...}`), a CSV file " +
                "(`text/csv` with a header naming `text` and optionally `label` and `id`), a zip (`application/zip`: images in " +
                "`<label>/<file>.png` folders, or JSONL/CSV files), or `multipart/form-data` with any number of such files. Every " +
                "entry is validated as the project page's import does; one error rejects the whole import with a 422 listing every " +
                "problem by file and line. Importing the same content again adds nothing.")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithMetadata(new DisableRequestSizeLimitAttribute())
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.RequestBody = ImportRequestBody();
                return Task.CompletedTask;
            });
        return app;
    }

    private static async Task<Ok<Page<ItemView>>> ListAsync(
        int projectId, HttpContext http, ItemService items, ItemStatus? status, string? label, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var size = Paging.Limit(limit);
        var rows = await items.ListAsync(http.User.ToCaller(), projectId, status, label, Paging.After(cursor), Paging.Take(size), cancellationToken);
        return TypedResults.Ok(Paging.ToPage(rows, size, i => i.Id));
    }

    private static async Task<Ok<ItemView>> GetAsync(int projectId, long itemId, HttpContext http, ItemService items, CancellationToken cancellationToken) =>
        TypedResults.Ok(await items.GetAsync(http.User.ToCaller(), projectId, itemId, cancellationToken));

    private static async Task<Results<Ok<ImportResponse>, ProblemHttpResult>> ImportAsync(
        int projectId,
        bool? addMissingLabels,
        HttpContext http,
        ProjectService projects,
        ImportService imports,
        IOptions<UploadLimits> limits,
        IOptions<ImportLimits> importLimits,
        IOptions<LabelLoopStorageOptions> storage,
        CancellationToken cancellationToken)
    {
        var caller = http.User.ToCaller();
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        ProjectsApi.RequireAdmin(caller, "Only admins import items.");
        var request = http.Request;
        var maxBytes = limits.Value.MaxUploadBytes;
        if (request.ContentLength > maxBytes)
        {
            return TooLarge(maxBytes);
        }
        var opened = new List<OpenedImport>();
        try
        {
            var mediaType = (request.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(cancellationToken);
                if (form.Files.Count == 0)
                {
                    throw new DomainValidationException("files", "Attach at least one file (.zip of images, .jsonl or .csv).");
                }
                if (form.Files.Sum(f => f.Length) > maxBytes)
                {
                    return TooLarge(maxBytes);
                }
                if (form.Files.Select(f => importLimits.Value.CheckUpload(f.FileName, f.Length)).FirstOrDefault(p => p is not null) is { } tooLong)
                {
                    return TooLarge(tooLong);
                }
                foreach (var file in form.Files)
                {
                    opened.Add(OpenedImport.OpenFile(file.FileName, file.OpenReadStream()));
                }
            }
            else if (UploadName(mediaType) is { } name)
            {
                // A JSONL or CSV body is one text file: it stops at the text file limit, not the upload limit.
                var textLimit = ImportPaths.TextExtensions.Contains(Path.GetExtension(name)) ? Math.Min(maxBytes, importLimits.Value.MaxFileBytes) : maxBytes;
                if (request.ContentLength > textLimit)
                {
                    return TooLarge(importLimits.Value.CheckUpload(name, request.ContentLength.Value) ?? Over(maxBytes));
                }
                var buffered = await BufferAsync(request.Body, storage.Value.TempDir, textLimit, cancellationToken);
                if (buffered is null)
                {
                    return TooLarge(textLimit < maxBytes ? importLimits.Value.TextFileTooLarge(name, null) : Over(maxBytes));
                }
                opened.Add(OpenedImport.OpenFile(name, buffered));
            }
            else
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                    detail: $"Send application/x-ndjson, text/csv, application/zip or multipart/form-data, not '{mediaType}'.");
            }
            var listing = new ImportListing([.. opened.SelectMany(o => o.Listing.Entries)], [.. opened.SelectMany(o => o.Listing.Errors)]);
            var report = await imports.ImportAsync(projectId, listing, addMissingLabels ?? true, cancellationToken: cancellationToken);
            return report.Succeeded
                ? TypedResults.Ok(new ImportResponse(report.Added, report.AlreadyPresent, report.LabelsAdded, report.DuplicatesSkipped, report.AugmentationNote))
                : Rejected(report.Errors);
        }
        catch (InvalidDataException ex)
        {
            return Rejected([new ImportError("(upload)", ex.Message)]);
        }
        finally
        {
            foreach (var o in opened)
            {
                o.Dispose();
            }
        }
    }

    private static string? UploadName(string mediaType) =>
        JsonlTypes.Contains(mediaType) ? "upload.jsonl"
        : CsvTypes.Contains(mediaType) ? "upload.csv"
        : ZipTypes.Contains(mediaType) ? "upload.zip"
        : null;

    /// <summary>Copies the body to a temporary file (zips need to seek); null when it passes <paramref name="maxBytes"/>.</summary>
    private static async Task<Stream?> BufferAsync(Stream body, string tempDir, long maxBytes, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(tempDir);
        var file = new FileStream(Path.Combine(tempDir, $"upload-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.ReadWrite,
            FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            var buffer = new byte[81920];
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
                if (total > maxBytes)
                {
                    await file.DisposeAsync();
                    return null;
                }
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private static ProblemHttpResult TooLarge(long maxBytes) => TooLarge(Over(maxBytes));

    private static ProblemHttpResult TooLarge(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Upload too large", detail: detail);

    private static string Over(long maxBytes) => $"The upload is over the {maxBytes}-byte limit (Import:MaxUploadBytes).";

    private static ProblemHttpResult Rejected(IReadOnlyList<ImportError> errors) =>
        TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Import rejected",
            detail: $"{errors.Count} problem(s) found; nothing was imported.",
            extensions: new Dictionary<string, object?> { ["errors"] = errors.Select(e => new { source = e.Source, message = e.Message }).ToList() });

    private static OpenApiRequestBody ImportRequestBody()
    {
        static OpenApiMediaType Text(string description) =>
            new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = description } };
        return new OpenApiRequestBody
        {
            Required = true,
            Description = "The items: JSONL, CSV, a zip, or several files as multipart/form-data.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/x-ndjson"] = Text("One JSON object per line: {\"id\": ..., \"text\": ..., \"label\": ...} (label optional)."),
                ["text/csv"] = Text("A header naming `text` and optionally `label` and `id`, then one item per row."),
                ["application/zip"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } },
                ["multipart/form-data"] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["files"] = new OpenApiSchema
                            {
                                Type = JsonSchemaType.Array,
                                Description = "Any number of .zip, .jsonl or .csv files (any field name is accepted).",
                                Items = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
                            },
                        },
                    },
                },
            },
        };
    }
}
