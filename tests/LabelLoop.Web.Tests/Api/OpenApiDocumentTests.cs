using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LabelLoop.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Api;

public sealed class OpenApiDocumentTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    private async Task<string> DocumentAsync()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative), Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(Cancel);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LabelLoop.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No LabelLoop.sln above {AppContext.BaseDirectory}.");
    }

    [Fact]
    public async Task The_document_passes_a_real_OpenAPI_validator()
    {
        var json = await DocumentAsync();
        var root = RepositoryRoot();
        var file = Path.Combine(Path.GetTempPath(), $"labelloop-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, json, Cancel);
        try
        {
            var start = new ProcessStartInfo("node")
            {
                WorkingDirectory = root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.ArgumentList.Add(Path.Combine(root, "build", "validate-openapi.cjs"));
            start.ArgumentList.Add(file);
            using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
            var stdout = node.StandardOutput.ReadToEndAsync(Cancel);
            var stderr = node.StandardError.ReadToEndAsync(Cancel);
            await node.WaitForExitAsync(Cancel);
            Assert.True(node.ExitCode == 0, $"The OpenAPI validator failed ({node.ExitCode}):\n{await stderr}\n{await stdout}");
            Assert.StartsWith("valid:", await stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Every_api_v1_endpoint_is_described_with_its_scope_and_problem_responses()
    {
        using var doc = JsonDocument.Parse(await DocumentAsync());
        var paths = doc.RootElement.GetProperty("paths");
        var routes = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Path: Normalize(e.RoutePattern.RawText!), Method: m.ToLowerInvariant())))
            .ToList();
        Assert.NotEmpty(routes);

        var missing = routes.Where(r => !paths.TryGetProperty(r.Path, out var item) || !item.TryGetProperty(r.Method, out _)).ToList();
        Assert.True(missing.Count == 0, "Not in the document: " + string.Join(", ", missing.Select(m => $"{m.Method.ToUpperInvariant()} {m.Path}")));

        foreach (var path in paths.EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => Methods.Contains(o.Name)))
            {
                var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var security = operation.Value.GetProperty("security");
                Assert.True(security.GetArrayLength() == 1, $"{name} has no security requirement");
                Assert.Single(security[0].GetProperty("bearer").EnumerateArray());
                var responses = operation.Value.GetProperty("responses");
                foreach (var status in new[] { "401", "403", "429" })
                {
                    Assert.True(responses.TryGetProperty(status, out var response), $"{name} does not describe {status}");
                    Assert.True(response.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{name} {status} is not a problem");
                }
            }
        }
        var schemes = doc.RootElement.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task Scopes_in_the_document_match_the_endpoints()
    {
        using var doc = JsonDocument.Parse(await DocumentAsync());
        var paths = doc.RootElement.GetProperty("paths");

        string ScopeOf(string path, string method) =>
            paths.GetProperty(path).GetProperty(method).GetProperty("security")[0].GetProperty("bearer")[0].GetString()!;

        Assert.Equal("read", ScopeOf("/api/v1/projects", "get"));
        Assert.Equal("write", ScopeOf("/api/v1/projects", "post"));
        Assert.Equal("label", ScopeOf("/api/v1/projects/{projectId}/annotations", "post"));
        Assert.Equal("admin", ScopeOf("/api/v1/projects/{projectId}/jobs/retrain", "post"));
        var idempotency = paths.GetProperty("/api/v1/projects/{projectId}/annotations").GetProperty("post").GetProperty("parameters")
            .EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Idempotency-Key");
        Assert.Equal("header", idempotency.GetProperty("in").GetString());
    }

    [Fact]
    public async Task Next_describes_the_projects_labels_and_annotations_their_409()
    {
        using var doc = JsonDocument.Parse(await DocumentAsync());
        var root = doc.RootElement;
        var paths = root.GetProperty("paths");

        var ok = paths.GetProperty("/api/v1/projects/{projectId}/next").GetProperty("post").GetProperty("responses").GetProperty("200");
        var reference = ok.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString()!;
        var schema = root.GetProperty("components").GetProperty("schemas").GetProperty(reference.Split('/')[^1]);
        var properties = schema.GetProperty("properties");
        Assert.Equal("array", properties.GetProperty("labels").GetProperty("type").GetString());
        foreach (var name in new[] { "itemId", "text", "contentUrl", "suggestion", "why" })
        {
            Assert.True(properties.TryGetProperty(name, out _), $"NextItem has no {name}");
        }
        var annotate = paths.GetProperty("/api/v1/projects/{projectId}/annotations").GetProperty("post");
        Assert.True(annotate.GetProperty("responses").TryGetProperty("409", out _));
        Assert.Contains("leased to another annotator", annotate.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swagger_ui_is_served_from_local_files_without_signing_in()
    {
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using var page = await client.GetAsync(new Uri("/api/docs", UriKind.Relative), Cancel);
        var html = await page.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("/lib/swagger-ui/swagger-ui-bundle.js", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        using var script = await client.GetAsync(new Uri("/js/api-docs.js", UriKind.Relative), Cancel);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    // Route constraints (":int", ":long") and a group's trailing slash are not part of OpenAPI paths.
    private static string Normalize(string pattern) =>
        System.Text.RegularExpressions.Regex.Replace(pattern, "\\{([^}:]+)(:[^}]+)?\\}", "{$1}").TrimEnd('/');
}
