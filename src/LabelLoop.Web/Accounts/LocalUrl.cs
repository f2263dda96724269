namespace LabelLoop.Web.Accounts;

/// <summary>Where a sign-in may send the browser next: a path on this site, written as a plain ASCII URL.</summary>
public static class LocalUrl
{
    private const int MaxLength = 2048;

    /// <summary>
    /// True for a path that starts with one <c>/</c> and holds only printable ASCII other than <c>\</c>. Anything else
    /// is refused: another host (<c>//host</c>, <c>/\host</c>, <c>https://</c>), and whitespace or control characters,
    /// which browsers strip (<c>/&lt;TAB&gt;/host</c> becomes <c>//host</c>) and which a Location header cannot carry
    /// (a non-ASCII character made the redirect fail with a 500). A well-formed return URL is percent-encoded already.
    /// </summary>
    public static bool IsSafe(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Length > MaxLength || url[0] != '/' || (url.Length > 1 && url[1] is '/' or '\\'))
        {
            return false;
        }
        foreach (var c in url)
        {
            if (c is <= ' ' or > '~' or '\\')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary><paramref name="returnUrl"/> when it is safe; <paramref name="fallback"/> when none was given; <c>/</c> otherwise.</summary>
    public static string OrFallback(string? returnUrl, string fallback) =>
        string.IsNullOrEmpty(returnUrl) ? fallback : IsSafe(returnUrl) ? returnUrl : "/";
}
