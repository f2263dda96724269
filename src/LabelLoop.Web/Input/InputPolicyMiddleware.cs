using LabelLoop.Core;
using System.Text;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace LabelLoop.Web.Input;

/// <summary>
/// The input policy for every request, API and pages alike, before any endpoint runs: no text input may hold a NUL
/// character (<see cref="TextInput"/>). Checks the query string, the headers, the route values, the fields of
/// URL-encoded forms, the fields and file names of multipart forms that the endpoint reads, and every string of the
/// JSON body of endpoints that bind one; a violation is a 400 ValidationProblemDetails keyed by field (<c>cursor</c>,
/// <c>Input.Name</c>, <c>labels[0].name</c>, <c>Idempotency-Key</c>). Runs after authorization and before the antiforgery check, which reads
/// (and, with a <c>%00</c> in it, refuses) the form without saying which field was wrong.
/// </summary>
internal sealed class InputPolicyMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        var errors = new SortedDictionary<string, string[]>(StringComparer.Ordinal);
        void Refuse(string field) => errors[TextInput.Printable(field)] = [TextInput.NulMessage];

        foreach (var (key, values) in context.Request.Query)
        {
            if (TextInput.HasNul(key) || values.Any(TextInput.HasNul))
            {
                Refuse(key);
            }
        }
        // Headers an endpoint binds (Idempotency-Key is stored with the answer). Kestrel refuses control characters
        // in headers before this runs; other servers and in-process hosts need not.
        foreach (var (key, values) in context.Request.Headers)
        {
            if (values.Any(TextInput.HasNul))
            {
                Refuse(key);
            }
        }
        foreach (var (key, value) in context.Request.RouteValues)
        {
            if (value is string text && TextInput.HasNul(text))
            {
                Refuse(key);
            }
        }
        var endpoint = context.GetEndpoint();
        if (endpoint is not null && IsUrlEncodedForm(context.Request))
        {
            foreach (var field in await ScanUrlEncodedAsync(context.Request, context.RequestAborted))
            {
                Refuse(field);
            }
        }
        else if (endpoint is not null && context.Request.HasFormContentType && ReadsMultipart(endpoint))
        {
            IFormCollection form;
            try
            {
                form = await context.Request.ReadFormAsync(context.RequestAborted);
            }
            catch (InvalidDataException)
            {
                // A broken multipart body: the endpoint's own reading of it reports that.
                form = FormCollection.Empty;
            }
            foreach (var (key, values) in form)
            {
                if (TextInput.HasNul(key) || values.Any(TextInput.HasNul))
                {
                    Refuse(key);
                }
            }
            foreach (var file in form.Files.Where(f => TextInput.HasNul(f.FileName) || TextInput.HasNul(f.Name)))
            {
                Refuse(file.Name);
            }
        }
        else if (endpoint is not null && IsJson(context.Request) && BindsJson(endpoint))
        {
            foreach (var path in await ScanJsonAsync(context.Request, context.RequestAborted))
            {
                Refuse(JsonNulScanner.FieldName(path));
            }
        }

        if (errors.Count == 0)
        {
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ValidationProblemDetails(errors)
            {
                Title = "Invalid input",
                Status = StatusCodes.Status400BadRequest,
                Detail = $"Text must not contain the NUL character (U+0000): {string.Join(", ", errors.Keys)}.",
                Type = "urn:labelloop:problem:400",
            },
        });
    }

    private static bool IsUrlEncodedForm(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        && type.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Multipart forms only where the endpoint reads the form itself (a page, or a handler binding form fields or
    /// files): a streaming upload must not be buffered here.
    /// </summary>
    private static bool ReadsMultipart(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<ComponentTypeMetadata>() is not null
        || endpoint.Metadata.GetOrderedMetadata<IAcceptsMetadata>()
            .Any(a => a.ContentTypes.Any(t => t.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// The fields of a URL-encoded form holding a NUL. Decoded here, not by the form reader: that one refuses a form
    /// with <c>%00</c> as a whole ("invalid characters"), which would leave the caller without the field's name.
    /// </summary>
    private static async Task<List<string>> ScanUrlEncodedAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        request.EnableBuffering();
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true))
        {
            body = await reader.ReadToEndAsync(cancellationToken);
        }
        request.Body.Position = 0;
        var fields = new List<string>();
        foreach (var pair in body.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = FormDecode(equals < 0 ? pair : pair[..equals]);
            if (TextInput.HasNul(key) || (equals >= 0 && TextInput.HasNul(FormDecode(pair[(equals + 1)..]))))
            {
                fields.Add(key);
            }
        }
        return fields;
    }

    private static string FormDecode(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return text;
        }
    }

    private static bool IsJson(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        && (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || type.MediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    /// <summary>Endpoints with a JSON body parameter (minimal APIs declare it as accepted content).</summary>
    private static bool BindsJson(Endpoint endpoint) =>
        endpoint.Metadata.GetOrderedMetadata<IAcceptsMetadata>()
            .Any(a => a.ContentTypes.Any(t => t.Contains("json", StringComparison.OrdinalIgnoreCase)));

    private static async Task<List<string>> ScanJsonAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // Buffered (to disk beyond 30 KB) so the binder reads the same bytes afterwards; the server's body size limit applies.
        request.EnableBuffering();
        using var copy = new MemoryStream();
        await request.Body.CopyToAsync(copy, cancellationToken);
        request.Body.Position = 0;
        return JsonNulScanner.Scan(copy.GetBuffer().AsSpan(0, (int)copy.Length));
    }
}
