using AngleSharp.Dom;
using AngleSharp.Html.Parser;

using Xunit;

namespace LabelLoop.Web.Tests;

/// <summary>Parses server-rendered HTML the way a browser would, so tests query elements instead of strings.</summary>
internal static class Html
{
    private static readonly HtmlParser Parser = new();

    public static IDocument Parse(string html) => Parser.ParseDocument(html);

    public static async Task<IDocument> ParseAsync(HttpResponseMessage response) =>
        Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

    /// <summary>Text of an element, whitespace collapsed.</summary>
    public static string Text(this IElement element) =>
        string.Join(' ', element.TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// Where a redirect points, as a same-site path and query. Fails when it leaves the site: the pages build
    /// absolute URLs on this host, the endpoints relative ones.
    /// </summary>
    public static string RedirectTarget(HttpResponseMessage response)
    {
        var location = response.Headers.Location ?? throw new InvalidOperationException($"{(int)response.StatusCode} has no Location header.");
        if (!location.IsAbsoluteUri)
        {
            return location.OriginalString;
        }
        Assert.Equal("localhost", location.Host);
        return location.PathAndQuery;
    }
}
