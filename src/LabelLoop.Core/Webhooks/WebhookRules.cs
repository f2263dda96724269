namespace LabelLoop.Core.Webhooks;

/// <summary>What a webhook registration must satisfy.</summary>
public static class WebhookRules
{
    /// <summary>
    /// The problems with a target URL and event list, by field; empty when valid. Only absolute http and https URLs
    /// without user information (<c>user:pass@</c>) are accepted: the dispatcher sends nothing anywhere else.
    /// </summary>
    public static IReadOnlyDictionary<string, string[]> Validate(string? url, IReadOnlyCollection<string>? events)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(url))
        {
            errors["url"] = ["A URL is required."];
        }
        else if (url.Length > Webhook.MaxUrlLength)
        {
            errors["url"] = [$"At most {Webhook.MaxUrlLength} characters."];
        }
        else if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors["url"] = ["An absolute http:// or https:// URL."];
        }
        else if (uri.UserInfo.Length > 0)
        {
            errors["url"] = ["No user name or password in the URL; verify deliveries with the signature instead."];
        }
        else if (uri.Host.Length == 0)
        {
            errors["url"] = ["The URL names no host."];
        }
        else if (uri.Fragment.Length > 0)
        {
            errors["url"] = ["No fragment (#...) in the URL."];
        }
        if (events is null || events.Count == 0)
        {
            errors["events"] = [$"Name at least one event: {string.Join(", ", WebhookEvents.All)}."];
        }
        else if (events.Where(e => !WebhookEvents.All.Contains(e, StringComparer.Ordinal)).ToList() is { Count: > 0 } unknown)
        {
            errors["events"] = [$"Unknown event(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))}; known: {string.Join(", ", WebhookEvents.All)}."];
        }
        return errors;
    }
}
