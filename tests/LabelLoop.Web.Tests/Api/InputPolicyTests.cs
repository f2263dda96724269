using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LabelLoop.Core.Accounts;
using LabelLoop.Testing;
using Xunit;

namespace LabelLoop.Web.Tests.Api;

/// <summary>
/// The input policy at the HTTP boundary: a NUL character in any text input is a 400 naming the field (never a 500
/// from the database), and a body the binder cannot read is a 400 naming the field and what was wrong.
/// </summary>
public sealed class InputPolicyTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private const string Nul = "a\u0000b";

    private readonly ApiKit _kit = new(factory);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly string[] BodyMethods = ["post", "put", "patch"];

    /// <summary>One string field of an operation's JSON body: its JSON path (as an error key) and the body carrying the NUL there.</summary>
    private sealed record Probe(string Method, string Path, string Field, JsonNode Body);

    private async Task<JsonElement> OpenApiAsync()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative), Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.Clone();
    }

    private static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        while (true)
        {
            if (schema.TryGetProperty("$ref", out var reference))
            {
                var name = reference.GetString()!.Split('/')[^1];
                schema = document.GetProperty("components").GetProperty("schemas").GetProperty(name);
                continue;
            }
            foreach (var union in new[] { "oneOf", "anyOf", "allOf" })
            {
                if (schema.TryGetProperty(union, out var options))
                {
                    var chosen = options.EnumerateArray().FirstOrDefault(o => !IsNullOnly(o));
                    if (chosen.ValueKind != JsonValueKind.Undefined)
                    {
                        schema = chosen;
                        goto next;
                    }
                }
            }
            return schema;
        next:;
        }
    }

    private static bool IsNullOnly(JsonElement schema) =>
        schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "null";

    private static bool IsType(JsonElement schema, string wanted) =>
        schema.TryGetProperty("type", out var type)
        && (type.ValueKind == JsonValueKind.String ? type.GetString() == wanted : type.EnumerateArray().Any(t => t.GetString() == wanted));

    /// <summary>A plausible value for <paramref name="schema"/>: strings and objects filled in, arrays with one element.</summary>
    private static JsonNode? Sample(JsonElement document, JsonElement schema, int depth = 0)
    {
        schema = Resolve(document, schema);
        if (depth > 6)
        {
            return null;
        }
        if (schema.TryGetProperty("enum", out var values))
        {
            return JsonValue.Create(values.EnumerateArray().First(v => v.ValueKind == JsonValueKind.String).GetString());
        }
        if (IsType(schema, "object") || schema.TryGetProperty("properties", out _))
        {
            var obj = new JsonObject();
            if (schema.TryGetProperty("properties", out var properties))
            {
                foreach (var property in properties.EnumerateObject())
                {
                    obj[property.Name] = Sample(document, property.Value, depth + 1);
                }
            }
            return obj;
        }
        if (IsType(schema, "array"))
        {
            return schema.TryGetProperty("items", out var items) ? new JsonArray(Sample(document, items, depth + 1)) : new JsonArray();
        }
        if (IsType(schema, "string"))
        {
            return JsonValue.Create(schema.TryGetProperty("format", out var format) && format.GetString() == "date-time" ? "2025-01-01T00:00:00Z" : "x");
        }
        if (IsType(schema, "integer") || IsType(schema, "number"))
        {
            return JsonValue.Create(1);
        }
        return IsType(schema, "boolean") ? JsonValue.Create(false) : null;
    }

    /// <summary>Every string in <paramref name="node"/> by JSON path (<c>labels[0].name</c>), object keys as written.</summary>
    private static IEnumerable<string> StringPaths(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    foreach (var inner in StringPaths(value, path.Length == 0 ? key : $"{path}.{key}"))
                    {
                        yield return inner;
                    }
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    foreach (var inner in StringPaths(array[i], $"{path}[{i}]"))
                    {
                        yield return inner;
                    }
                }
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                yield return path;
                break;
        }
    }

    private static JsonNode WithNul(JsonNode body, string field)
    {
        var copy = body.DeepClone();
        var parts = System.Text.RegularExpressions.Regex.Matches(field, @"[^.\[\]]+|\[\d+\]").Select(m => m.Value).ToList();
        JsonNode parent = copy;
        for (var i = 0; i < parts.Count - 1; i++)
        {
            parent = parts[i].StartsWith('[') ? parent[int.Parse(parts[i][1..^1], System.Globalization.CultureInfo.InvariantCulture)]! : parent[parts[i]]!;
        }
        var last = parts[^1];
        if (last.StartsWith('['))
        {
            parent[int.Parse(last[1..^1], System.Globalization.CultureInfo.InvariantCulture)] = Nul;
        }
        else
        {
            parent[last] = Nul;
        }
        return copy;
    }

    private static string FillRoute(string template, int projectId) =>
        System.Text.RegularExpressions.Regex.Replace(template, @"\{(?<name>[^}:]+)[^}]*\}", m =>
            m.Groups["name"].Value == "userId" ? "someone" : m.Groups["name"].Value == "file" ? "summary.json"
            : projectId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static List<Probe> BodyProbes(JsonElement document)
    {
        var probes = new List<Probe>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in BodyMethods)
            {
                if (!path.Value.TryGetProperty(method, out var operation)
                    || !operation.TryGetProperty("requestBody", out var requestBody)
                    || !requestBody.GetProperty("content").TryGetProperty("application/json", out var media))
                {
                    continue;
                }
                var body = Sample(document, media.GetProperty("schema"));
                Assert.NotNull(body);
                probes.AddRange(StringPaths(body, "").Select(field => new Probe(method, path.Name, field, WithNul(body, field))));
            }
        }
        return probes;
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient client, string method, string path, string? token, HttpContent? content)
    {
        using var response = await ApiKit.SendAsync(client, new HttpMethod(method.ToUpperInvariant()), path, token, content: content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Cancel));
    }

    private static void AssertNamesField(HttpStatusCode status, string body, string field, string what)
    {
        Assert.True(status == HttpStatusCode.BadRequest, $"{what}: expected 400, got {(int)status}: {body}");
        using var problem = JsonDocument.Parse(body);
        var errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"{what}: no error for '{field}': {body}");
        Assert.Contains("NUL", messages[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_nul_in_any_string_field_of_any_json_body_is_a_400_naming_the_field()
    {
        var document = await OpenApiAsync();
        var probes = BodyProbes(document);
        var projectId = await _kit.ProjectAsync();
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var (_, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Admin);

        // Every operation with a JSON body has string fields to try, and the big ones are among them.
        Assert.Contains(probes, p => p.Path == "/api/v1/projects" && p.Field == "labels[0].name");
        Assert.Contains(probes, p => p.Path == "/api/v1/projects/{projectId}/annotations" && p.Field == "label");
        var failures = new List<string>();
        foreach (var (probe, index) in probes.Select((p, i) => (p, i)))
        {
            if (index % 50 == 49)
            {
                (_, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Admin);
            }
            using var content = new StringContent(probe.Body.ToJsonString(), Encoding.UTF8, "application/json");
            var (status, body) = await SendAsync(client, probe.Method, FillRoute(probe.Path, projectId), token, content);
            try
            {
                AssertNamesField(status, body, probe.Field, $"{probe.Method.ToUpperInvariant()} {probe.Path} {probe.Field}");
            }
            catch (Exception ex) when (ex is Xunit.Sdk.XunitException or KeyNotFoundException or JsonException)
            {
                failures.Add(ex.Message);
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("null")]
    [InlineData("[]")]
    public async Task A_body_missing_its_fields_is_never_a_500_and_a_400_names_a_field(string json)
    {
        var document = await OpenApiAsync();
        var projectId = await _kit.ProjectAsync();
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var (_, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Admin);
        var failures = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in BodyMethods.Where(m => path.Value.TryGetProperty(m, out var op) && op.TryGetProperty("requestBody", out var body)
                && body.GetProperty("content").TryGetProperty("application/json", out _)))
            {
                using var content = new StringContent(json, Encoding.UTF8, "application/json");
                var (status, body) = await SendAsync(client, method, FillRoute(path.Name, projectId), token, content);
                var what = $"{method.ToUpperInvariant()} {path.Name} {json}: {(int)status} {body}";
                if ((int)status >= 500)
                {
                    failures.Add(what);
                }
                else if (status == HttpStatusCode.BadRequest
                    && (!JsonDocument.Parse(body).RootElement.TryGetProperty("errors", out var errors) || !errors.EnumerateObject().Any()))
                {
                    failures.Add($"no field named: {what}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task A_nul_in_any_string_query_parameter_is_a_400_naming_it()
    {
        var document = await OpenApiAsync();
        var projectId = await _kit.ProjectAsync();
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var (_, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Admin);
        var tried = 0;
        var failures = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Value.TryGetProperty("parameters", out _)))
            {
                foreach (var parameter in operation.Value.GetProperty("parameters").EnumerateArray())
                {
                    var schema = Resolve(document, parameter.GetProperty("schema"));
                    if (!IsType(schema, "string") || schema.TryGetProperty("format", out _) || schema.TryGetProperty("enum", out _))
                    {
                        continue;
                    }
                    // Paths are not tried: Kestrel answers 400 to a %00 in the path before routing (and the test
                    // server refuses to send one); the policy checks route values all the same.
                    if (parameter.GetProperty("in").GetString() != "query")
                    {
                        continue;
                    }
                    var name = parameter.GetProperty("name").GetString()!;
                    var url = $"{FillRoute(path.Name, projectId)}?{name}=a%00b";
                    tried++;
                    using var content = operation.Name is "post" or "put" or "patch" ? new StringContent("{}", Encoding.UTF8, "application/json") : null;
                    var (status, body) = await SendAsync(client, operation.Name, url, token, content);
                    try
                    {
                        AssertNamesField(status, body, name, $"{operation.Name.ToUpperInvariant()} {url}");
                    }
                    catch (Exception ex) when (ex is Xunit.Sdk.XunitException or KeyNotFoundException or JsonException)
                    {
                        failures.Add(ex.Message);
                    }
                }
            }
        }
        Assert.True(tried >= 5, $"Only {tried} string parameters found.");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary><paramref name="node"/> with every string in it replaced by one holding a NUL.</summary>
    private static JsonNode? AllNul(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, AllNul(p.Value)))),
        JsonArray array => new JsonArray(array.Select(AllNul).ToArray()),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => JsonValue.Create(Nul),
        _ => node?.DeepClone(),
    };

    /// <summary>The request bodies to try on an operation: a NUL in every string it may carry, and broken JSON.</summary>
    private static IEnumerable<(string What, Func<HttpContent> Body)> HostileBodies(JsonElement document, JsonElement operation)
    {
        if (!operation.TryGetProperty("requestBody", out var requestBody))
        {
            yield break;
        }
        foreach (var media in requestBody.GetProperty("content").EnumerateObject())
        {
            switch (media.Name)
            {
                case "application/json":
                    var sample = AllNul(Sample(document, media.Value.GetProperty("schema")));
                    yield return ("json with NULs", () => new StringContent(sample?.ToJsonString() ?? "null", Encoding.UTF8, "application/json"));
                    yield return ("malformed json", () => new StringContent("{\"name\": \"a\", \"labels\": [", Encoding.UTF8, "application/json"));
                    break;
                case "application/x-ndjson":
                    yield return ("jsonl with NULs", () => new StringContent(
                        "{\"id\":\"i\\u0000\",\"text\":\"a\\u0000b\",\"label\":\"c\\u0000\"}\n{\"text\":\"a\u0000b\"}\n", Encoding.UTF8, media.Name));
                    break;
                case "text/csv":
                    yield return ("csv with NULs", () => new StringContent("id,text,label\ni\0,a\0b,c\0\n", Encoding.UTF8, media.Name));
                    break;
                case "application/zip":
                    yield return ("zip with NULs", () => new ByteArrayContent(TestImages.Zip(
                        ("a\0b.jsonl", Encoding.UTF8.GetBytes("{\"text\":\"x\"}\n")), ("nul.jsonl", Encoding.UTF8.GetBytes("{\"text\":\"a\\u0000b\"}\n"))))
                    {
                        Headers = { ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(media.Name) },
                    });
                    break;
                case "multipart/form-data":
                    yield return ("multipart with NULs", () => new MultipartFormDataContent
                    {
                        { new StringContent("{\"text\":\"a\\u0000b\"}\n"), "files", "nul.jsonl" },
                        { new StringContent("id,text\nx,a\0b\n"), "files", "nul.csv" },
                        { new StringContent(Nul), "field" },
                    });
                    // HttpClient will not write a NUL into a part's headers; a hand-made client can.
                    yield return ("multipart with a NUL in a file name", RawMultipartWithNulFileName);
                    break;
                default:
                    yield return ($"{media.Name} with NULs", () => new StringContent(Nul, Encoding.UTF8, media.Name));
                    break;
            }
        }
    }

    private static ByteArrayContent RawMultipartWithNulFileName()
    {
        var raw = new ByteArrayContent(Encoding.UTF8.GetBytes(
            "--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"n\0ul.jsonl\"\r\n" +
            "Content-Type: application/x-ndjson\r\n\r\n{\"text\":\"fine\"}\n\r\n--b--\r\n"));
        raw.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");
        return raw;
    }

    [Fact]
    public async Task Every_operation_answers_nul_characters_and_broken_json_without_a_5xx()
    {
        var document = await OpenApiAsync();
        var projectId = await _kit.ProjectAsync();
        await _kit.ImportTextAsync(projectId, 3);
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject()
                .Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete")
                .Select(o => (Path: path.Name, Method: o.Name, Operation: o.Value)))
            // Deletes last: they may remove the project or the token the others use.
            .OrderBy(o => o.Method == "delete")
            .ToList();
        var failures = new List<string>();
        var requests = 0;
        foreach (var (path, method, operation) in operations)
        {
            // A fresh admin token per operation: no rate limit to meet, and a delete cannot revoke the next one's.
            var (_, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Admin);
            var parameters = operation.TryGetProperty("parameters", out var list) ? list.EnumerateArray().ToList() : [];
            // Every string query parameter at once; path values stay valid (Kestrel refuses a %00 in a path itself).
            var query = string.Join('&', parameters
                .Where(p => p.GetProperty("in").GetString() == "query" && IsType(Resolve(document, p.GetProperty("schema")), "string"))
                .Select(p => $"{Uri.EscapeDataString(p.GetProperty("name").GetString()!)}=a%00b"));
            var url = FillRoute(path, projectId) + (query.Length > 0 ? "?" + query : "");
            var headers = parameters.Where(p => p.GetProperty("in").GetString() == "header").Select(p => p.GetProperty("name").GetString()!).ToList();
            var bodies = HostileBodies(document, operation).ToList();
            if (bodies.Count == 0)
            {
                bodies.Add(("no body", () => null!));
            }
            foreach (var (what, body) in bodies)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), new Uri(url, UriKind.Relative)) { Content = body() };
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                foreach (var header in headers)
                {
                    request.Headers.TryAddWithoutValidation(header, Nul);
                }
                using var response = await client.SendAsync(request, Cancel);
                requests++;
                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"{method.ToUpperInvariant()} {url} ({what}): {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Cancel)}");
                }
            }
        }

        Assert.True(operations.Count >= 40, $"Only {operations.Count} operations in the document.");
        Assert.True(requests > operations.Count, $"Only {requests} requests sent.");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task A_nul_in_the_idempotency_key_is_a_400_naming_the_header()
    {
        var (userId, token) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Label);
        var projectId = await _kit.ProjectAsync(members: userId);
        await _kit.ImportTextAsync(projectId, 1);
        var item = (await _kit.GetJsonAsync($"/api/v1/projects/{projectId}/items", (await _kit.AccountAsync(Roles.Admin, ApiScopes.Read)).Token))
            .GetProperty("items")[0].GetProperty("id").GetInt64();
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/v1/projects/{projectId}/annotations", UriKind.Relative))
        {
            Content = new StringContent($"{{\"itemId\":{item},\"label\":\"yes\"}}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        Assert.True(request.Headers.TryAddWithoutValidation("Idempotency-Key", Nul));

        using var response = await client.SendAsync(request, Cancel);

        AssertNamesField(response.StatusCode, await response.Content.ReadAsStringAsync(Cancel), "Idempotency-Key", "POST .../annotations");
    }

    [Fact]
    public async Task A_nul_in_a_page_form_is_a_400_naming_the_field_and_saves_nothing()
    {
        var (client, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        var token = await WebForms.GetAntiforgeryTokenAsync(client, "/projects/new");
        var name = $"nul-{Guid.NewGuid():N}";
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "project",
            [WebForms.AntiforgeryField] = token,
            ["Input.Name"] = name,
            ["Input.Kind"] = "Text",
            ["Input.LabelsText"] = "yes\nn\0o",
            ["Input.Overlap"] = "1",
            ["Input.LeaseMinutes"] = "10",
        });

        using var response = await client.PostAsync(new Uri("/projects/new", UriKind.Relative), form, Cancel);

        AssertNamesField(response.StatusCode, await response.Content.ReadAsStringAsync(Cancel), "Input.LabelsText", "POST /projects/new");
        var (_, apiToken) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Read);
        var list = await _kit.GetJsonAsync("/api/v1/projects?limit=200", apiToken);
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), p => p.GetProperty("name").GetString() == name);

        using var anonymous = factory.CreateBrowserClient();
        var login = await WebForms.LoginAsync(anonymous, "nobody\0@example.org", "whatever-1A");
        AssertNamesField(login.StatusCode, await login.Content.ReadAsStringAsync(Cancel), "email", "POST /login");
    }

    [Fact]
    public async Task Binding_errors_name_the_field_and_what_was_wrong()
    {
        var projectId = await _kit.ProjectAsync();
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var (_, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Admin);

        async Task<JsonElement> ErrorsAsync(string method, string path, string? json)
        {
            using var content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json");
            using var response = await ApiKit.SendAsync(client, new HttpMethod(method), path, token, content: content);
            var problem = await ApiKit.ProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.True(problem.TryGetProperty("detail", out var detail) && !string.IsNullOrEmpty(detail.GetString()), problem.ToString());
            Assert.True(problem.TryGetProperty("errors", out var errors), problem.ToString());
            return errors;
        }

        var wrongType = await ErrorsAsync("POST", "/api/v1/projects", """{"name": 12, "kind": "Text"}""");
        Assert.Equal("Expected a string.", wrongType.GetProperty("name")[0].GetString());

        var badEnum = await ErrorsAsync("POST", "/api/v1/projects", """{"name": "x", "kind": "Video"}""");
        Assert.Equal("Expected one of: Image, Text.", badEnum.GetProperty("kind")[0].GetString());

        var nested = await ErrorsAsync("PUT", $"/api/v1/projects/{projectId}/labels", """{"labels": [{"name": "a"}, {"name": ["b"]}]}""");
        Assert.Equal("Expected a string.", nested.GetProperty("labels[1].name")[0].GetString());

        var malformed = await ErrorsAsync("POST", "/api/v1/projects", """{"name": "x", "kind": """);
        var syntax = Assert.Single(malformed.EnumerateObject());
        Assert.StartsWith("Malformed JSON at line 1", syntax.Value[0].GetString(), StringComparison.Ordinal);

        var missing = await ErrorsAsync("POST", "/api/v1/projects", "{}");
        // Every required field left out is named, not only the first.
        Assert.Equal(["name", "kind"], missing.EnumerateObject().Select(e => e.Name));

        var noBody = await ErrorsAsync("POST", "/api/v1/projects", null);
        Assert.Equal("A JSON body is required.", noBody.GetProperty("$")[0].GetString());

        var badQuery = await ErrorsAsync("GET", "/api/v1/projects?limit=many", null);
        Assert.Equal("'many' is not valid here: expected an integer.", badQuery.GetProperty("limit")[0].GetString());

        using var plain = new StringContent("name=x", Encoding.UTF8, "text/plain");
        using var notJson = await ApiKit.SendAsync(client, HttpMethod.Post, "/api/v1/projects", token, content: plain);
        var unsupported = await ApiKit.ProblemAsync(notJson, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("application/json", unsupported.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invisible_label_name_is_refused_through_the_api_with_the_reason()
    {
        var projectId = await _kit.ProjectAsync();
        var (_, token) = await _kit.AccountAsync(Roles.Admin, ApiScopes.Admin);

        using var response = await _kit.SendAsync(HttpMethod.Put, $"/api/v1/projects/{projectId}/labels", token,
            new { labels = new[] { new { name = "yes" }, new { name = "\u200D" } } });

        var problem = await ApiKit.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("nothing visible", problem.GetProperty("errors").GetProperty("labels")[0].GetString(), StringComparison.Ordinal);
    }
}
