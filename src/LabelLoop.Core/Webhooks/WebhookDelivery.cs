namespace LabelLoop.Core.Webhooks;

/// <summary>
/// One event for one webhook: the outbox row written with the event, then the delivery log (attempts, the last
/// status code or error, times). The body is fixed when the event happens, so every retry sends the same bytes.
/// </summary>
public sealed class WebhookDelivery
{
    public long Id { get; set; }

    public int WebhookId { get; set; }

    public int ProjectId { get; set; }

    public required string Event { get; set; }

    /// <summary>The exact request body (UTF-8 JSON) that is signed and sent.</summary>
    public required string PayloadJson { get; set; }

    public WebhookDeliveryStatus Status { get; set; }

    public int Attempts { get; set; }

    /// <summary>HTTP status of the last attempt; null when it got no response.</summary>
    public int? LastStatusCode { get; set; }

    /// <summary>Why the last attempt failed; null after a success.</summary>
    public string? LastError { get; set; }

    public DateTime CreatedUtc { get; set; }

    /// <summary>When the next attempt is due (for a pending delivery).</summary>
    public DateTime NextAttemptUtc { get; set; }

    public DateTime? LastAttemptUtc { get; set; }

    public DateTime? DeliveredUtc { get; set; }
}

/// <summary>Life cycle of a delivery: Pending -> Succeeded, or Failed once every attempt failed.</summary>
public enum WebhookDeliveryStatus
{
    Pending,
    Succeeded,
    Failed,
}
