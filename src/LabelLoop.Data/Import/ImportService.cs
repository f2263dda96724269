using System.Text.Json;
using LabelLoop.Core;
using LabelLoop.Core.Import;
using LabelLoop.Core.Items;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Blobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using LabelLoop.Data.Providers;

namespace LabelLoop.Data.Import;

/// <summary>
/// Imports items into a project, all or nothing: every entry is validated first (image bytes decoded or
/// structurally checked, text parsed) and staged under <c>DATA/tmp</c>; only when no entry failed are the
/// blobs moved into the store and the rows inserted, in one transaction. Labels the input brings are added to the
/// label set only while the set stays within <see cref="ProjectRules.MaxLabels"/>; past that the import is refused.
/// Records that repeat an earlier record of the same input are skipped and counted in the report.
/// </summary>
public sealed class ImportService(
    IDbContextFactory<LabelLoopDbContext> contextFactory,
    BlobStore blobs,
    IImageValidator imageValidator,
    IOptions<ImportLimits> limits,
    IOptions<LabelLoopStorageOptions> storage,
    TimeProvider time)
{
    /// <summary>Imports the listing. Returns a report; when it has errors the database and the blob store are unchanged.</summary>
    /// <param name="addMissingLabels">Add labels found in the layout to the label set; otherwise they are errors.</param>
    public async Task<ImportReport> ImportAsync(
        int projectId,
        ImportListing listing,
        bool addMissingLabels = true,
        IProgress<ImportProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        Project project;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            project = await db.Projects.AsNoTracking().Include(p => p.Labels).SingleOrDefaultAsync(p => p.Id == projectId, cancellationToken)
                ?? throw new NotFoundException($"Project {projectId} does not exist.");
        }

        var errors = new List<ImportError>(listing.Errors);
        var staging = Path.Combine(storage.Value.TempDir, $"import-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var (candidates, duplicates) = Stage(project.Kind, listing, staging, errors, progress, cancellationToken);
            if (candidates.Count > limits.Value.MaxItems)
            {
                errors.Add(new ImportError("(import)", $"{candidates.Count} items is over the {limits.Value.MaxItems}-item limit of one import"));
            }
            if (candidates.Count == 0 && errors.Count == 0)
            {
                errors.Add(new ImportError("(import)", project.Kind == ProjectKind.Image ? "no images found" : "no text records found"));
            }
            var known = project.Labels.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
            var newLabels = NewLabels(candidates, known);
            if (newLabels.Count > 0 && !addMissingLabels)
            {
                errors.AddRange(newLabels.Select(l => new ImportError("(labels)", $"label '{l}' is not in the project's label set")));
            }
            else if (LabelLimitError(known.Count, newLabels.Count) is { } tooMany)
            {
                errors.Add(tooMany);
            }
            if (errors.Count > 0)
            {
                return new ImportReport(0, 0, [], errors, duplicates);
            }
            progress?.Report(new ImportProgress(candidates.Count, candidates.Count, "storing"));
            var stored = await StoreAsync(project, candidates, addMissingLabels, staging, cancellationToken);
            return stored.Error is { } error
                ? new ImportReport(0, 0, [], [error], duplicates)
                : new ImportReport(stored.Added, candidates.Count - stored.Added, stored.LabelsAdded, [], duplicates)
                {
                    AugmentationNote = project.Kind == ProjectKind.Image ? ImportReport.DescribeAugmentations(project.AllowHorizontalFlip) : null,
                };
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>The labels of <paramref name="candidates"/> missing from <paramref name="known"/>, in ordinal order.</summary>
    private static List<string> NewLabels(List<ImportCandidate> candidates, HashSet<string> known) =>
        candidates.Where(c => c.GroundTruth is not null && !known.Contains(c.GroundTruth))
            .Select(c => c.GroundTruth!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>The error when adding <paramref name="adding"/> labels to <paramref name="existing"/> passes <see cref="ProjectRules.MaxLabels"/>.</summary>
    private static ImportError? LabelLimitError(int existing, int adding) =>
        existing + adding <= ProjectRules.MaxLabels
            ? null
            : new ImportError("(labels)",
                $"the import brings {adding} new label(s); with the project's {existing} that makes {existing + adding}, " +
                $"over the limit of {ProjectRules.MaxLabels} labels per project");

    private (List<ImportCandidate> Candidates, int Duplicates) Stage(
        ProjectKind kind,
        ImportListing listing,
        string staging,
        List<ImportError> errors,
        IProgress<ImportProgress>? progress,
        CancellationToken cancellationToken)
    {
        var images = kind == ProjectKind.Image ? new ImageImportReader(imageValidator, limits.Value) : null;
        var texts = kind == ProjectKind.Image ? null : new TextImportReader(limits.Value);
        var payloads = images?.Read(listing.Entries, errors) ?? texts!.Read(listing.Entries, errors);
        var candidates = new List<ImportCandidate>();
        var total = listing.Entries.Count;
        foreach (var payload in payloads)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (payload.Bytes is { } bytes && errors.Count == 0 && !blobs.Exists(payload.Candidate.ContentHash))
            {
                File.WriteAllBytes(Path.Combine(staging, payload.Candidate.ContentHash), bytes);
            }
            candidates.Add(payload.Candidate);
            if (candidates.Count % 1000 == 0)
            {
                progress?.Report(new ImportProgress(Math.Min(candidates.Count, total), total, "validating"));
            }
        }
        return (candidates, images?.DuplicatesSkipped ?? texts!.DuplicatesSkipped);
    }

    private sealed record Stored(int Added, IReadOnlyList<string> LabelsAdded, ImportError? Error);

    private async Task<Stored> StoreAsync(Project project, List<ImportCandidate> candidates, bool addMissingLabels, string staging, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        // The project row lock serialises imports of one project, and the label set is read again under it: two
        // imports that each fit the label limit cannot pass it together.
        await db.Projects.LockedById(db, "Projects", project.Id).Select(p => p.Id).ToListAsync(cancellationToken);
        var known = (await db.LabelClasses.Where(l => l.ProjectId == project.Id).Select(l => l.Name).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        var newLabels = NewLabels(candidates, known);
        if (newLabels.Count > 0 && !addMissingLabels)
        {
            return new Stored(0, [], new ImportError("(labels)", $"label '{newLabels[0]}' is not in the project's label set (it was removed during the import)"));
        }
        if (LabelLimitError(known.Count, newLabels.Count) is { } tooMany)
        {
            return new Stored(0, [], tooMany);
        }
        if (newLabels.Count > 0)
        {
            var order = await db.LabelClasses.Where(l => l.ProjectId == project.Id).Select(l => (int?)l.Order).MaxAsync(cancellationToken) ?? -1;
            foreach (var label in newLabels)
            {
                order++;
                db.LabelClasses.Add(new LabelClass { ProjectId = project.Id, Name = label, Order = order, Color = ProjectRules.DefaultColor(order) });
            }
            await db.SaveChangesAsync(cancellationToken);
        }

        var dialect = DatabaseDialect.Of(db);
        await dialect.CreateTransactionTempTableAsync(db.Database, "import_items",
            """
            "ContentHash" varchar(64) NOT NULL, "BlobHash" varchar(64), "MediaType" varchar(32), "Text" text,
            "ExternalId" varchar(256) NOT NULL, "MetaJson" text NOT NULL, "GroundTruth" varchar(64)
            """, cancellationToken);
        await dialect.BulkInsertAsync(db.Database, "import_items",
            ["ContentHash", "BlobHash", "MediaType", "Text", "ExternalId", "MetaJson", "GroundTruth"],
            candidates.Select(c => new object?[]
            {
                c.ContentHash, c.MediaType is null ? null : c.ContentHash, c.MediaType, c.Text, Truncate(c.ExternalId, Item.MaxExternalIdLength),
                MetaJson(c), c.GroundTruth,
            }), cancellationToken);
        // "WHERE TRUE": SQLite reads an INSERT ... SELECT ... ON CONFLICT only when the SELECT has a WHERE.
        var added = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO "Items" ("ProjectId", "ContentHash", "BlobHash", "MediaType", "Text", "ExternalId", "MetaJson", "Status", "GroundTruth", "AnnotationCount", "IsAudit", "CreatedUtc")
            SELECT {project.Id}, "ContentHash", "BlobHash", "MediaType", "Text", "ExternalId", "MetaJson", {nameof(ItemStatus.Unlabeled)}, "GroundTruth", 0, FALSE, {now}
            FROM import_items
            WHERE TRUE
            ON CONFLICT ("ProjectId", "ContentHash") DO NOTHING
            """, cancellationToken);
        await dialect.DropTransactionTempTableAsync(db.Database, "import_items", cancellationToken);
        if (added > 0)
        {
            db.MarkProjectChanged(project.Id);
        }
        await db.Projects.Where(p => p.Id == project.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.ItemCount, p => p.ItemCount + added).SetProperty(p => p.UpdatedUtc, now), cancellationToken);
        // The first import that can tell decides whether models see colour; later imports and admins' choices keep it.
        if (project.Kind == ProjectKind.Image && ImageColours.Decide(candidates.Select(c => c.IsColour)) is { } colour)
        {
            await db.Projects.Where(p => p.Id == project.Id && p.ImageColour == null)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.ImageColour, (ImageColour?)colour), cancellationToken);
        }

        // Blobs move into the store before the commit: if the commit then fails, the store holds unreferenced
        // content-addressed files (harmless, collectable), never rows pointing at missing files.
        foreach (var file in Directory.EnumerateFiles(staging))
        {
            var hash = Path.GetFileName(file);
            var target = blobs.PathOf(hash);
            if (!File.Exists(target))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Move(file, target, overwrite: true);
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return new Stored(added, newLabels, null);
    }

    private static string MetaJson(ImportCandidate c) =>
        c.MediaType is null ? "{}" : JsonSerializer.Serialize(new { width = c.Width, height = c.Height });

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
