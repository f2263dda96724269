using System.Net;
using System.Text.RegularExpressions;

namespace LabelLoop.Testing;

/// <summary>Posting the server-rendered forms the way a browser does: token from the page, cookies kept.</summary>
public static partial class WebForms
{
    public const string AntiforgeryField = "__RequestVerificationToken";

    /// <summary>GETs <paramref name="path"/> and returns the first antiforgery token on the page.</summary>
    public static async Task<string> GetAntiforgeryTokenAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}.");
        }
        return ReadAntiforgeryToken(html) ?? throw new InvalidOperationException($"GET {path} has no antiforgery token.");
    }

    /// <summary>The value of the first hidden antiforgery input in <paramref name="html"/>, or null.</summary>
    public static string? ReadAntiforgeryToken(string html)
    {
        foreach (Match input in InputTag().Matches(html))
        {
            var tag = input.Value;
            if (tag.Contains($"name=\"{AntiforgeryField}\"", StringComparison.Ordinal))
            {
                var value = ValueAttribute().Match(tag);
                if (value.Success)
                {
                    return WebUtility.HtmlDecode(value.Groups[1].Value);
                }
            }
        }
        return null;
    }

    /// <summary>Submits the login form (e-mail, password, form handler, token) and returns the raw response.</summary>
    public static async Task<HttpResponseMessage> LoginAsync(HttpClient client, string email, string password)
    {
        var token = await GetAntiforgeryTokenAsync(client, "/login");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = email,
            ["password"] = password,
            ["_handler"] = "login",
            [AntiforgeryField] = token,
        });
        return await client.PostAsync(new Uri("/login", UriKind.Relative), form);
    }

    [GeneratedRegex("<input\\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InputTag();

    [GeneratedRegex("\\bvalue=\"([^\"]*)\"", RegexOptions.IgnoreCase)]
    private static partial Regex ValueAttribute();
}
