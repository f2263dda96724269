using System.Security.Cryptography;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Webhooks;
using LabelLoop.Data.Projects;
using Microsoft.EntityFrameworkCore;

namespace LabelLoop.Data.Webhooks;

/// <summary>Registering, listing and removing a project's webhooks (admins only), and reading their delivery logs.</summary>
public sealed class WebhookService(IDbContextFactory<LabelLoopDbContext> contextFactory, TimeProvider time)
{
    /// <summary>More than this many webhooks on one project is surely a mistake (each event is sent to every one).</summary>
    public const int MaxPerProject = 20;

    public const string SecretPrefix = "whsec_";

    public async Task<CreatedWebhook> CreateAsync(Caller caller, int projectId, string? url, IReadOnlyList<string>? events, CancellationToken cancellationToken = default)
    {
        ProjectService.RequireAdmin(caller);
        var errors = WebhookRules.Validate(url, events);
        if (errors.Count > 0)
        {
            throw new DomainValidationException(errors);
        }
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await EnsureProjectAsync(db, projectId, cancellationToken);
        if (await db.Webhooks.CountAsync(w => w.ProjectId == projectId, cancellationToken) >= MaxPerProject)
        {
            throw new DomainValidationException("url", $"A project has at most {MaxPerProject} webhooks; delete one first.");
        }
        var webhook = new Webhook
        {
            ProjectId = projectId,
            Url = new Uri(url!, UriKind.Absolute).AbsoluteUri,
            Events = [.. WebhookEvents.All.Where(e => events!.Contains(e, StringComparer.Ordinal))],
            Secret = SecretPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            CreatedByUserId = caller.UserId,
            CreatedUtc = time.GetUtcNow().UtcDateTime,
        };
        db.Webhooks.Add(webhook);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedWebhook(ToView(webhook), webhook.Secret);
    }

    /// <summary>The project's webhooks by id: up to <paramref name="take"/> after <paramref name="after"/>.</summary>
    public async Task<IReadOnlyList<WebhookView>> ListAsync(Caller caller, int projectId, long? after, int take, CancellationToken cancellationToken = default)
    {
        ProjectService.RequireAdmin(caller);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await EnsureProjectAsync(db, projectId, cancellationToken);
        var query = db.Webhooks.AsNoTracking().Where(w => w.ProjectId == projectId);
        if (after is { } a)
        {
            query = query.Where(w => w.Id > a);
        }
        var rows = await query.OrderBy(w => w.Id).Take(take).ToListAsync(cancellationToken);
        return rows.Select(ToView).ToList();
    }

    public async Task<WebhookView> GetAsync(Caller caller, int projectId, int webhookId, CancellationToken cancellationToken = default)
    {
        ProjectService.RequireAdmin(caller);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await EnsureProjectAsync(db, projectId, cancellationToken);
        var webhook = await db.Webhooks.AsNoTracking().SingleOrDefaultAsync(w => w.Id == webhookId && w.ProjectId == projectId, cancellationToken)
            ?? throw new NotFoundException($"Webhook {webhookId} does not exist in project {projectId}.");
        return ToView(webhook);
    }

    /// <summary>Removes a webhook with its delivery log; pending deliveries are not sent.</summary>
    public async Task DeleteAsync(Caller caller, int projectId, int webhookId, CancellationToken cancellationToken = default)
    {
        ProjectService.RequireAdmin(caller);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await EnsureProjectAsync(db, projectId, cancellationToken);
        if (await db.Webhooks.Where(w => w.Id == webhookId && w.ProjectId == projectId).ExecuteDeleteAsync(cancellationToken) == 0)
        {
            throw new NotFoundException($"Webhook {webhookId} does not exist in project {projectId}.");
        }
    }

    /// <summary>A webhook's deliveries, newest first: up to <paramref name="take"/> with ids below <paramref name="before"/>.</summary>
    public async Task<IReadOnlyList<WebhookDeliveryView>> ListDeliveriesAsync(
        Caller caller, int projectId, int webhookId, long? before, int take, CancellationToken cancellationToken = default)
    {
        ProjectService.RequireAdmin(caller);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await EnsureProjectAsync(db, projectId, cancellationToken);
        if (!await db.Webhooks.AnyAsync(w => w.Id == webhookId && w.ProjectId == projectId, cancellationToken))
        {
            throw new NotFoundException($"Webhook {webhookId} does not exist in project {projectId}.");
        }
        var query = db.WebhookDeliveries.AsNoTracking().Where(d => d.WebhookId == webhookId);
        if (before is { } b)
        {
            query = query.Where(d => d.Id < b);
        }
        var rows = await query.OrderByDescending(d => d.Id).Take(take).ToListAsync(cancellationToken);
        return rows.Select(d => new WebhookDeliveryView(
            d.Id, d.WebhookId, d.Event, d.Status.ToString().ToLowerInvariant(), d.Attempts, d.LastStatusCode, d.LastError,
            Utc(d.CreatedUtc), Utc(d.LastAttemptUtc), d.Status == WebhookDeliveryStatus.Pending ? Utc(d.NextAttemptUtc) : null, Utc(d.DeliveredUtc)))
            .ToList();
    }

    private static async Task EnsureProjectAsync(LabelLoopDbContext db, int projectId, CancellationToken cancellationToken)
    {
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, cancellationToken))
        {
            throw new NotFoundException($"Project {projectId} does not exist.");
        }
    }

    private static WebhookView ToView(Webhook w) => new(w.Id, w.ProjectId, w.Url, w.Events, w.IsActive, Utc(w.CreatedUtc));

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private static DateTime? Utc(DateTime? value) => value is { } v ? Utc(v) : null;
}
