using System.Text.Json;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Webhooks;
using LabelLoop.Data.Models;
using LabelLoop.Data.Tests.Labeling;
using LabelLoop.Data.Webhooks;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Data.Tests.Webhooks;

/// <summary>Events land in the outbox in the transaction that makes them, once per subscribed webhook.</summary>
public abstract class WebhookOutboxTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : LabelingFixture
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private WebhookService Webhooks => new(fixture.Data.Database.ContextFactory, fixture.Clock);

    private async Task<List<WebhookDelivery>> DeliveriesAsync(int projectId)
    {
        await using var db = fixture.Data.CreateContext();
        return await db.WebhookDeliveries.AsNoTracking().Where(d => d.ProjectId == projectId).OrderBy(d => d.Id).ToListAsync(Cancel);
    }

    private async Task<long> FirstItemAsync(int projectId)
    {
        await using var db = fixture.Data.CreateContext();
        return await db.Items.Where(i => i.ProjectId == projectId).MinAsync(i => i.Id, Cancel);
    }

    // Answers come from a lease: the annotator's next item from the queue.
    private async Task<long> LeasedItemAsync(Caller annotator, int projectId) =>
        (await fixture.Leases.NextAsync(annotator, projectId, 1, Cancel))[0].ItemId;

    [Fact]
    public async Task A_label_writes_one_delivery_per_subscribed_webhook_with_the_annotation()
    {
        var projectId = await fixture.CreateProjectAsync(2);
        var annotator = await fixture.MemberAsync(projectId);
        var subscribed = await Webhooks.CreateAsync(Caller.System, projectId, "https://example.org/a", [WebhookEvents.AnnotationCreated], Cancel);
        await Webhooks.CreateAsync(Caller.System, projectId, "https://example.org/b", [WebhookEvents.AnnotationCreated, WebhookEvents.ModelTrained], Cancel);
        await Webhooks.CreateAsync(Caller.System, projectId, "https://example.org/c", [WebhookEvents.ExportCompleted], Cancel);
        var itemId = await LeasedItemAsync(annotator, projectId);

        var result = await fixture.Annotations.SubmitAsync(annotator, projectId, new SubmitAnnotation(itemId, "b"), Cancel);
        // A repeated submit stores nothing new and announces nothing new.
        await fixture.Annotations.SubmitAsync(annotator, projectId, new SubmitAnnotation(itemId, "b"), Cancel);

        var deliveries = await DeliveriesAsync(projectId);
        Assert.Equal(2, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal(WebhookEvents.AnnotationCreated, d.Event));
        Assert.All(deliveries, d => Assert.Equal(WebhookDeliveryStatus.Pending, d.Status));
        Assert.Equal(deliveries[0].PayloadJson, deliveries[1].PayloadJson);
        Assert.Equal(subscribed.Webhook.Id, deliveries[0].WebhookId);
        using var payload = JsonDocument.Parse(deliveries[0].PayloadJson);
        var root = payload.RootElement;
        Assert.Equal("annotation.created", root.GetProperty("event").GetString());
        Assert.Equal(projectId, root.GetProperty("projectId").GetInt32());
        var data = root.GetProperty("data");
        Assert.Equal(result.AnnotationId, data.GetProperty("annotationId").GetInt64());
        Assert.Equal(itemId, data.GetProperty("itemId").GetInt64());
        Assert.Equal("b", data.GetProperty("label").GetString());
        Assert.Equal("Labeled", data.GetProperty("itemStatus").GetString());
        Assert.Equal("b", data.GetProperty("finalLabel").GetString());
        Assert.EndsWith("@example.org", data.GetProperty("annotator").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_subscribed_webhook_nothing_is_written_and_a_failed_label_writes_nothing()
    {
        var projectId = await fixture.CreateProjectAsync(1);
        var annotator = await fixture.MemberAsync(projectId);
        await Webhooks.CreateAsync(Caller.System, projectId, "https://example.org/m", [WebhookEvents.ModelTrained], Cancel);
        var itemId = await LeasedItemAsync(annotator, projectId);

        await Assert.ThrowsAsync<DomainValidationException>(() =>
            fixture.Annotations.SubmitAsync(annotator, projectId, new SubmitAnnotation(itemId, "not-a-label"), Cancel));
        await fixture.Annotations.SubmitAsync(annotator, projectId, new SubmitAnnotation(itemId, "a"), Cancel);

        Assert.Empty(await DeliveriesAsync(projectId));
    }

    [Fact]
    public async Task A_published_model_version_announces_model_trained()
    {
        var projectId = await fixture.CreateProjectAsync(2);
        await Webhooks.CreateAsync(Caller.System, projectId, "https://example.org/m", [WebhookEvents.ModelTrained], Cancel);
        long runId;
        await using (var db = fixture.Data.CreateContext())
        {
            var run = new JobRun { ProjectId = projectId, Kind = JobKind.Train, Status = JobStatus.Running, Node = "node-1", CreatedUtc = DateTime.UnixEpoch };
            db.JobRuns.Add(run);
            await db.SaveChangesAsync(Cancel);
            runId = run.Id;
        }
        var itemId = await FirstItemAsync(projectId);
        var versions = new ModelVersionService(fixture.Data.Database.ContextFactory, fixture.Clock);

        var published = await versions.PublishAsync(runId, "node-1",
            new ModelVersionDraft(projectId, "models/x", "margin", 7, """{"auditAccuracy":0.9}"""),
            [new PredictionRow(itemId, "a", [0.6f, 0.3f, 0.1f], 0.4, 1, "{}")], "done", Cancel);

        var delivery = Assert.Single(await DeliveriesAsync(projectId));
        Assert.Equal(WebhookEvents.ModelTrained, delivery.Event);
        using var payload = JsonDocument.Parse(delivery.PayloadJson);
        var data = payload.RootElement.GetProperty("data");
        Assert.Equal(published!.Version, data.GetProperty("version").GetInt32());
        Assert.Equal(published.ModelVersionId, data.GetProperty("modelVersionId").GetInt32());
        Assert.Equal(runId, data.GetProperty("jobId").GetInt64());
        Assert.Equal(7, data.GetProperty("labelCount").GetInt32());
        Assert.Equal(0.9, data.GetProperty("metrics").GetProperty("auditAccuracy").GetDouble());
    }

    [Fact]
    public async Task Webhook_management_is_for_admins_and_the_secret_is_shown_only_at_creation()
    {
        var projectId = await fixture.CreateProjectAsync(0);
        var annotator = await fixture.MemberAsync(projectId);

        await Assert.ThrowsAsync<AccessDeniedException>(() =>
            Webhooks.CreateAsync(annotator, projectId, "https://example.org", [WebhookEvents.ModelTrained], Cancel));
        var created = await Webhooks.CreateAsync(Caller.System, projectId, "https://example.org/hook", [WebhookEvents.ModelTrained], Cancel);
        var listed = Assert.Single(await Webhooks.ListAsync(Caller.System, projectId, null, 10, Cancel));

        Assert.StartsWith(WebhookService.SecretPrefix, created.Secret, StringComparison.Ordinal);
        Assert.Equal(70, created.Secret.Length);
        Assert.Equal(JsonSerializer.Serialize(created.Webhook), JsonSerializer.Serialize(listed));
        Assert.DoesNotContain(created.Secret, JsonSerializer.Serialize(listed), StringComparison.Ordinal);
        await Assert.ThrowsAsync<NotFoundException>(() => Webhooks.ListAsync(Caller.System, int.MaxValue, null, 10, Cancel));
    }
}

/// <summary>The tests above on the default provider (SQLite).</summary>
public sealed class WebhookOutboxTests(LabelingFixture fixture) : WebhookOutboxTests<LabelingFixture>(fixture);

/// <summary>The tests above on PostgreSQL.</summary>
public sealed class WebhookOutboxTestsOnPostgres(PostgresLabelingFixture fixture) : WebhookOutboxTests<PostgresLabelingFixture>(fixture);
