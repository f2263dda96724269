using System.Net;
using AngleSharp.Dom;
using LabelLoop.Testing;
using Xunit;

namespace LabelLoop.Web.Tests.Pages;

/// <summary>Submits a server-rendered form as a browser would: every field with its current value, some overridden by id.</summary>
internal static class PageForms
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>GETs <paramref name="path"/>, finds the form whose Blazor handler is <paramref name="handler"/>, and posts it back to <paramref name="path"/>.</summary>
    /// <param name="omit">A field name left out of the post, as a hand-made or older client might.</param>
    public static async Task<HttpResponseMessage> SubmitAsync(
        HttpClient client, string path, string handler, IReadOnlyDictionary<string, string>? valuesById = null, string? omit = null)
    {
        using var page = await client.GetAsync(new Uri(path, UriKind.Relative), Cancel);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var form = (await Html.ParseAsync(page)).QuerySelector($"form:has(input[name=_handler][value='{handler}'])");
        Assert.NotNull(form);
        using var content = new FormUrlEncodedContent(Fields(form, valuesById ?? new Dictionary<string, string>()).Where(f => f.Key != omit));
        return await client.PostAsync(new Uri(path, UriKind.Relative), content, Cancel);
    }

    private static List<KeyValuePair<string, string>> Fields(IElement form, IReadOnlyDictionary<string, string> valuesById)
    {
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var field in form.QuerySelectorAll("input[name], select[name], textarea[name]"))
        {
            var id = field.Id ?? "";
            if (field.GetAttribute("type") == "checkbox")
            {
                var on = valuesById.TryGetValue(id, out var wanted) ? wanted == "on" : field.HasAttribute("checked");
                if (on)
                {
                    fields.Add(new(field.GetAttribute("name")!, field.GetAttribute("value") ?? "on"));
                }
                continue;
            }
            var value = valuesById.TryGetValue(id, out var given)
                ? given
                : field.LocalName switch
                {
                    "textarea" => field.TextContent,
                    "select" => field.QuerySelector("option[selected]")?.GetAttribute("value") ?? field.QuerySelector("option")?.GetAttribute("value") ?? "",
                    _ => field.GetAttribute("value") ?? "",
                };
            fields.Add(new(field.GetAttribute("name")!, value));
        }
        Assert.Contains(fields, f => f.Key == WebForms.AntiforgeryField);
        return fields;
    }
}
