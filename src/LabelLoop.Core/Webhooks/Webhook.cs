namespace LabelLoop.Core.Webhooks;

/// <summary>A URL an admin registered to be told about a project's events, and the secret its payloads are signed with.</summary>
public sealed class Webhook
{
    public const int MaxUrlLength = 2000;

    public int Id { get; set; }

    public int ProjectId { get; set; }

    /// <summary>Absolute http(s) URL without user information.</summary>
    public required string Url { get; set; }

    /// <summary>Event names (<see cref="WebhookEvents"/>) this hook receives.</summary>
    public string[] Events { get; set; } = [];

    /// <summary>
    /// The HMAC-SHA256 key, stored as is. Unlike a token it cannot be stored hashed: every delivery must be signed
    /// with the key itself, and a hash cannot sign. It is shown once, at creation, and never returned again.
    /// </summary>
    public required string Secret { get; set; }

    public bool IsActive { get; set; } = true;

    public string? CreatedByUserId { get; set; }

    public DateTime CreatedUtc { get; set; }
}
