using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Import;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Accounts;
using LabelLoop.Data.Import;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Api;

/// <summary>Accounts, tokens, projects and bearer requests for the API tests.</summary>
public sealed class ApiKit(LabelLoopWebFactory factory)
{
    public static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public LabelLoopWebFactory Factory => factory;

    public T Get<T>() where T : notnull => factory.Services.GetRequiredService<T>();

    public async Task<string> UserAsync(string role) =>
        await factory.CreateUserAsync($"{role}-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", role);

    public async Task<string> TokenAsync(string userId, params string[] scopes) =>
        (await Get<ApiTokenService>().CreateAsync(Caller.System, userId, "test", scopes, null, Cancel)).Secret;

    /// <summary>A new account with <paramref name="role"/> and a token with <paramref name="scopes"/>.</summary>
    public async Task<(string UserId, string Token)> AccountAsync(string role, params string[] scopes)
    {
        var userId = await UserAsync(role);
        return (userId, await TokenAsync(userId, scopes));
    }

    public async Task<int> ProjectAsync(ProjectKind kind = ProjectKind.Text, params string[] members)
    {
        var projects = Get<ProjectService>();
        var id = await projects.CreateAsync(Caller.System,
            new ProjectInput($"api-{Guid.NewGuid():N}", kind, [new LabelSpec("yes"), new LabelSpec("no")]), Cancel);
        foreach (var member in members)
        {
            await projects.AddMemberAsync(Caller.System, id, member, Cancel);
        }
        return id;
    }

    /// <summary>Imports <paramref name="count"/> text items <c>t0..tN</c> (with ground truth when <paramref name="labels"/>).</summary>
    public async Task ImportTextAsync(int projectId, int count, bool labels = false)
    {
        var jsonl = string.Join('\n', Enumerable.Range(0, count).Select(i => labels
            ? JsonSerializer.Serialize(new { id = $"t{i}", text = $"item {i} of {projectId}", label = i % 2 == 0 ? "yes" : "no" })
            : JsonSerializer.Serialize(new { id = $"t{i}", text = $"item {i} of {projectId}" })));
        var bytes = Encoding.UTF8.GetBytes(jsonl);
        var report = await Get<ImportService>().ImportAsync(projectId,
            new ImportListing([new ImportEntry("items.jsonl", bytes.Length, () => new MemoryStream(bytes))], []), cancellationToken: Cancel);
        Assert.True(report.Succeeded, string.Join("; ", report.Errors));
    }

    /// <summary>Leases chosen items to an account, as <c>POST .../next</c> would have, so a test can answer them.</summary>
    public Task LeaseAsync(int projectId, string userId, params long[] itemIds) => factory.Database.LeaseAsync(projectId, userId, itemIds);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, object? json = null, HttpContent? content = null)
    {
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        return await SendAsync(client, method, path, token, json, content);
    }

    public static async Task<HttpResponseMessage> SendAsync(
        HttpClient client, HttpMethod method, string path, string? token, object? json = null, HttpContent? content = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative))
        {
            Content = content ?? (json is null ? null : JsonContent.Create(json)),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return await client.SendAsync(request, Cancel);
    }

    public async Task<JsonElement> GetJsonAsync(string path, string token)
    {
        using var response = await SendAsync(HttpMethod.Get, path, token);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Cancel)}");
        return await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);

    /// <summary>Asserts an RFC 9457 problem with <paramref name="status"/> and returns it.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    /// <summary>Follows <c>nextCursor</c> through every page of a list and returns the ids, asserting the page size.</summary>
    public async Task<List<long>> AllIdsAsync(string path, string token, int limit, string idProperty = "id")
    {
        var ids = new List<long>();
        string? cursor = null;
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        do
        {
            var page = await GetJsonAsync($"{path}{separator}limit={limit}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"), token);
            var items = page.GetProperty("items");
            Assert.True(items.GetArrayLength() <= limit);
            ids.AddRange(items.EnumerateArray().Select(i => i.GetProperty(idProperty).GetInt64()));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        return ids;
    }
}
