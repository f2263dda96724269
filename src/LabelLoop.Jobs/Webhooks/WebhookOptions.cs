namespace LabelLoop.Jobs.Webhooks;

/// <summary>How webhook deliveries are sent. Configuration section <c>Webhooks</c>.</summary>
public sealed class WebhookOptions
{
    /// <summary>Attempts per delivery, the first included; after the last failed one the delivery is Failed.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The wait before the second attempt, in seconds; each later wait doubles (10 s, 20 s, 40 s...).</summary>
    public double FirstRetrySeconds { get; set; } = 10;

    /// <summary>The longest wait between two attempts, in seconds.</summary>
    public double MaxRetrySeconds { get; set; } = 3600;

    /// <summary>How long one attempt may take (connect, send, response headers), in seconds.</summary>
    public double TimeoutSeconds { get; set; } = 10;

    /// <summary>Deliveries one node claims per pass.</summary>
    public int BatchSize { get; set; } = 20;

    /// <summary>
    /// Whether deliveries may go to loopback, private, link-local and other non-public addresses. Off by default, so
    /// a project admin cannot point a webhook at the server's own network; turn it on where receivers live on a
    /// private network. Checked on the address actually connected to, after DNS resolution.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }
}
