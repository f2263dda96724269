namespace LabelLoop.Data.Webhooks;

/// <summary>A webhook as the API lists it; the secret is never part of it.</summary>
public sealed record WebhookView(int Id, int ProjectId, string Url, IReadOnlyList<string> Events, bool IsActive, DateTime CreatedUtc);

/// <summary>A new webhook and its signing secret, which is shown this once.</summary>
public sealed record CreatedWebhook(WebhookView Webhook, string Secret);

/// <summary>One delivery in a webhook's log.</summary>
/// <param name="Status">pending, succeeded or failed.</param>
/// <param name="LastStatusCode">The receiver's HTTP status on the last attempt; null when there was no response.</param>
public sealed record WebhookDeliveryView(
    long Id,
    int WebhookId,
    string Event,
    string Status,
    int Attempts,
    int? LastStatusCode,
    string? LastError,
    DateTime CreatedUtc,
    DateTime? LastAttemptUtc,
    DateTime? NextAttemptUtc,
    DateTime? DeliveredUtc);
