using LabelLoop.Core.Webhooks;
using Xunit;

namespace LabelLoop.Core.Tests.Webhooks;

public sealed class WebhookRulesTests
{
    private static readonly string[] AllEvents = ["annotation.created", "model.trained", "export.completed"];

    [Theory]
    [InlineData("https://hooks.example.org/labelloop")]
    [InlineData("http://127.0.0.1:8080/in?x=1")]
    public void Absolute_http_and_https_urls_are_accepted(string url)
    {
        Assert.Empty(WebhookRules.Validate(url, AllEvents));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/relative/path")]
    [InlineData("ftp://example.org/x")]
    [InlineData("file:///etc/passwd")]
    [InlineData("javascript:alert(1)")]
    [InlineData("https://user:secret@example.org/hook")]
    [InlineData("https://example.org/hook#fragment")]
    public void Other_urls_are_refused(string url)
    {
        Assert.True(WebhookRules.Validate(url, AllEvents).ContainsKey("url"));
    }

    [Fact]
    public void Unknown_or_missing_events_are_refused()
    {
        Assert.True(WebhookRules.Validate("https://example.org", []).ContainsKey("events"));
        var errors = WebhookRules.Validate("https://example.org", ["annotation.created", "item.deleted"]);
        Assert.Contains("'item.deleted'", Assert.Single(errors["events"]), StringComparison.Ordinal);
    }
}
