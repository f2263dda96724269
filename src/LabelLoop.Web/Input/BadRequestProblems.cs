using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace LabelLoop.Web.Input;

/// <summary>
/// Turns the binder's <see cref="BadHttpRequestException"/> (malformed JSON, a value of the wrong type, a missing body
/// or parameter, a query value that does not parse) into field errors: the field as the client wrote it (the JSON path
/// without <c>$.</c>, or the parameter name; <c>$</c> for the body as a whole) and what was wrong with it.
/// </summary>
internal static partial class BadRequestProblems
{
    /// <summary>The key of an error about the JSON body as a whole.</summary>
    public const string Body = "$";

    private static readonly string[] Required = ["Required."];

    public static (string Detail, Dictionary<string, string[]> Errors) Describe(HttpContext context, BadHttpRequestException exception)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.InnerException is JsonException json)
        {
            return DescribeJson(context, json);
        }
        var message = exception.Message;
        var parameter = ParameterPattern().Match(message) is { Success: true } m ? m.Groups["name"].Value : null;
        if (exception.StatusCode == StatusCodes.Status415UnsupportedMediaType)
        {
            return ($"{message} Send the body as application/json.", new() { [Body] = ["Send the body as application/json."] });
        }
        if (message.Contains("from body", StringComparison.Ordinal) || message.Contains("no body was provided", StringComparison.Ordinal))
        {
            return ("The request needs a JSON body.", new() { [Body] = ["A JSON body is required."] });
        }
        if (parameter is not null && message.StartsWith("Required parameter", StringComparison.Ordinal))
        {
            return ($"The parameter '{parameter}' is required.", new() { [parameter] = ["Required."] });
        }
        if (parameter is not null && BindValuePattern().Match(message) is { Success: true } bind)
        {
            var expected = Expected(HandlerParameterType(context, parameter));
            var problem = $"'{bind.Groups["value"].Value}' is not valid here: expected {expected}.";
            return ($"The parameter '{parameter}' could not be read: {problem}", new() { [parameter] = [problem] });
        }
        if (exception.InnerException is { } inner && parameter is not null)
        {
            return ($"The parameter '{parameter}' could not be read: {inner.Message}", new() { [parameter] = [inner.Message] });
        }
        return (message, new() { [parameter ?? Body] = [message] });
    }

    private static (string Detail, Dictionary<string, string[]> Errors) DescribeJson(HttpContext context, JsonException json)
    {
        var path = json.Path ?? "$";
        var field = JsonNulScanner.FieldName(path);
        var reason = Reason(json.Message);
        if (json.InnerException?.GetType().Name == "JsonReaderException")
        {
            var where = json.LineNumber is { } line && json.BytePositionInLine is { } position
                ? string.Create(CultureInfo.InvariantCulture, $" at line {line + 1}, byte {position + 1}")
                : "";
            var problem = $"Malformed JSON{where}: {Reason(json.InnerException.Message)}";
            return ($"The request body is not valid JSON. {problem}", new() { [field] = [problem] });
        }
        if (MissingPattern().Match(json.Message) is { Success: true } missing)
        {
            var prefix = field == Body ? "" : field + ".";
            var names = NamePattern().Matches(missing.Groups["names"].Value).Select(n => prefix + n.Groups[1].Value).ToList();
            return ($"Required properties are missing: {string.Join(", ", names)}.", names.ToDictionary(n => n, _ => Required));
        }
        var type = BodyType(context) is { } body ? TypeAt(context, body, path) : null;
        var expected = type is null ? reason : $"Expected {Expected(type)}.";
        return ($"The request body does not fit: '{field}': {expected}", new() { [field] = [expected] });
    }

    /// <summary>A type as a client reads it: "an integer", "one of: Image, Text", "an array".</summary>
    private static string Expected(Type? type)
    {
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            null => "a value of another kind",
            { IsEnum: true } => $"one of: {string.Join(", ", Enum.GetNames(type))}",
            _ when type == typeof(string) => "a string",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) => "an integer",
            _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number",
            _ when type == typeof(DateTime) || type == typeof(DateTimeOffset) => "a date and time in ISO 8601 form, such as 2025-01-31T12:00:00Z",
            _ when type == typeof(DateOnly) => "a date in ISO 8601 form, such as 2025-01-31",
            _ when type == typeof(Guid) => "a GUID",
            _ when type != typeof(string) && type.IsAssignableTo(typeof(System.Collections.IEnumerable)) => "an array",
            _ => "an object",
        };
    }

    /// <summary>The endpoint that failed: the exception handler clears the request's own before it runs.</summary>
    private static Endpoint? FailedEndpoint(HttpContext context) =>
        context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint();

    private static Type? BodyType(HttpContext context) =>
        FailedEndpoint(context)?.Metadata.GetOrderedMetadata<IAcceptsMetadata>().Select(a => a.RequestType).FirstOrDefault(t => t is not null);

    /// <summary>The declared type at a JSON path of the body type, from the API's own serializer contract.</summary>
    private static Type? TypeAt(HttpContext context, Type root, string path)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var type = root;
        foreach (Match segment in SegmentPattern().Matches(path))
        {
            JsonTypeInfo info;
            try
            {
                info = options.GetTypeInfo(type);
            }
            catch (NotSupportedException)
            {
                return null;
            }
            if (segment.Groups["index"].Success)
            {
                type = info.ElementType;
            }
            else
            {
                var name = segment.Groups["name"].Success ? segment.Groups["name"].Value : segment.Groups["quoted"].Value;
                type = info.Kind == JsonTypeInfoKind.Dictionary
                    ? info.ElementType
                    : info.Properties.FirstOrDefault(p => string.Equals(p.Name, name, options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))?.PropertyType;
            }
            if (type is null)
            {
                return null;
            }
        }
        return type;
    }

    private static Type? HandlerParameterType(HttpContext context, string name) =>
        FailedEndpoint(context)?.Metadata.GetMetadata<MethodInfo>()?.GetParameters()
            .FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.ParameterType;

    /// <summary>A serializer message without the location the error key already gives.</summary>
    private static string Reason(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        }
        return (cut < 0 ? message : message[..cut]).Trim();
    }

    [GeneratedRegex("parameter \"(?:[^\"]*\\s)?(?<name>[^\"\\s]+)\"")]
    private static partial Regex ParameterPattern();

    [GeneratedRegex("^Failed to bind parameter \"[^\"]*\" from \"(?<value>.*)\"\\.$", RegexOptions.Singleline)]
    private static partial Regex BindValuePattern();

    [GeneratedRegex("missing required properties including: (?<names>.*)\\.", RegexOptions.Singleline)]
    private static partial Regex MissingPattern();

    [GeneratedRegex("'([^']*)'")]
    private static partial Regex NamePattern();

    [GeneratedRegex("\\.(?<name>[^.\\[]+)|\\[(?<index>\\d+)\\]|\\['(?<quoted>(?:[^'\\\\]|\\\\.)*)'\\]")]
    private static partial Regex SegmentPattern();
}
