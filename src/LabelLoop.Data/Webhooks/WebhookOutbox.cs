using System.Text.Json;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using LabelLoop.Core.Webhooks;
using LabelLoop.Data.Providers;
using Microsoft.EntityFrameworkCore;

namespace LabelLoop.Data.Webhooks;

/// <summary>
/// Writes webhook deliveries into the outbox table on the caller's context, inside the caller's transaction, so a
/// delivery exists exactly when its event committed (a rolled-back label sends nothing; a crash after the commit
/// loses nothing). The commit wakes the sender (see <see cref="CommitSignals"/>); the event's own request never waits on a receiver.
/// </summary>
public static class WebhookOutbox
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// One pending delivery per active webhook of the project that subscribed to <paramref name="eventName"/>, all
    /// with the same body: <c>{"id", "event", "createdUtc", "projectId", "data"}</c>. One statement; nothing when
    /// no webhook listens.
    /// </summary>
    public static async Task<int> EnqueueAsync(LabelLoopDbContext db, int projectId, string eventName, object data, DateTime now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var payload = JsonSerializer.Serialize(new
        {
            id = Guid.NewGuid(),
            @event = eventName,
            createdUtc = DateTime.SpecifyKind(now, DateTimeKind.Utc),
            projectId,
            data,
        }, Json);
        var pending = nameof(WebhookDeliveryStatus.Pending);
        var sql = $$"""
            INSERT INTO "WebhookDeliveries" ("WebhookId", "ProjectId", "Event", "PayloadJson", "Status", "Attempts", "CreatedUtc", "NextAttemptUtc")
            SELECT w."Id", w."ProjectId", {0}, {1}, {2}, 0, {3}, {3}
            FROM "Webhooks" w
            WHERE w."ProjectId" = {4} AND w."IsActive" AND {{DatabaseDialect.Of(db).ArrayContains("w.\"Events\"", "{0}")}}
            """;
        var written = await db.Database.ExecuteSqlRawAsync(sql, [eventName, payload, pending, now, projectId], cancellationToken);
        if (written > 0)
        {
            db.MarkWebhooksWritten();
        }
        return written;
    }

    /// <summary>
    /// <c>annotation.created</c> for a stored annotation (a label, a skip or a reviewer's decision) and the item's
    /// state after it. Costs one indexed lookup when no webhook listens (the annotator's e-mail is read only when one does).
    /// </summary>
    public static async Task AnnotationCreatedAsync(LabelLoopDbContext db, Annotation annotation, Item item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(annotation);
        ArgumentNullException.ThrowIfNull(item);
        var eventName = WebhookEvents.AnnotationCreated;
        var projectId = annotation.ProjectId;
        if (!await db.Webhooks.AnyAsync(w => w.ProjectId == projectId && w.IsActive && w.Events.Contains(eventName), cancellationToken))
        {
            return;
        }
        var email = await db.Users.Where(u => u.Id == annotation.UserId).Select(u => u.Email).SingleOrDefaultAsync(cancellationToken);
        await EnqueueAsync(db, projectId, eventName, new
        {
            annotationId = annotation.Id,
            itemId = item.Id,
            externalId = item.ExternalId,
            label = annotation.Label,
            skipped = annotation.WasSkipped,
            reviewed = annotation.IsGroundTruth,
            annotator = email,
            createdUtc = DateTime.SpecifyKind(annotation.CreatedUtc, DateTimeKind.Utc),
            itemStatus = item.Status.ToString(),
            finalLabel = item.FinalLabel,
        }, annotation.CreatedUtc, cancellationToken);
    }

    /// <summary><c>model.trained</c>: a model version was published and now ranks the project's pool.</summary>
    public static async Task ModelTrainedAsync(
        LabelLoopDbContext db, int projectId, int modelVersionId, int version, long jobRunId, string strategy, int labelCount, string metricsJson,
        int predictions, DateTime now, CancellationToken cancellationToken)
    {
        using var metrics = JsonDocument.Parse(string.IsNullOrWhiteSpace(metricsJson) ? "{}" : metricsJson);
        await EnqueueAsync(db, projectId, WebhookEvents.ModelTrained, new
        {
            modelVersionId,
            version,
            jobId = jobRunId,
            strategy,
            labelCount,
            predictions,
            metrics = metrics.RootElement,
        }, now, cancellationToken);
    }
}
