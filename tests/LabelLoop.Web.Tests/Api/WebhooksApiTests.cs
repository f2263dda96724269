using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Accounts;
using LabelLoop.Data.Annotations;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Api;

public sealed class WebhooksApiTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static readonly string[] AnnotationEvents = ["annotation.created"];
    private static readonly string[] UnknownEvents = ["item.deleted"];
    private static readonly string[] AllEvents = ["annotation.created", "model.trained", "export.completed"];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private T Get<T>() where T : notnull => factory.Services.GetRequiredService<T>();

    private async Task<(int Project, string AdminId, string AdminToken)> ProjectAsync()
    {
        var project = await Get<ProjectService>().CreateAsync(Caller.System,
            new ProjectInput($"hooks-{Guid.NewGuid():N}", ProjectKind.Text, [new LabelSpec("a"), new LabelSpec("b")]), Cancel);
        var adminId = await factory.CreateUserAsync($"admin-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", Roles.Admin);
        return (project, adminId, await TokenAsync(adminId, ApiScopes.Admin));
    }

    private async Task<string> TokenAsync(string userId, string scope) =>
        (await Get<ApiTokenService>().CreateAsync(Caller.System, userId, "test", [scope], null, Cancel)).Secret;

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, object? body = null)
    {
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        return await client.SendAsync(request, Cancel);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);

    [Fact]
    public async Task Admins_register_list_read_and_delete_webhooks_and_the_secret_shows_once()
    {
        var (project, _, token) = await ProjectAsync();
        var path = $"/api/v1/projects/{project}/webhooks";

        using var created = await SendAsync(HttpMethod.Post, path, token, new { url = "https://hooks.example.org/in", events = AllEvents });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await JsonAsync(created);
        var secret = body.GetProperty("secret").GetString()!;
        var id = body.GetProperty("webhook").GetProperty("id").GetInt32();
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal($"{path}/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal(AllEvents, body.GetProperty("webhook").GetProperty("events").EnumerateArray().Select(e => e.GetString()));

        using var one = await SendAsync(HttpMethod.Get, $"{path}/{id}", token);
        using var list = await SendAsync(HttpMethod.Get, path, token);
        var listText = await list.Content.ReadAsStringAsync(Cancel);
        Assert.Equal("https://hooks.example.org/in", (await JsonAsync(one)).GetProperty("url").GetString());
        Assert.DoesNotContain(secret, await one.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listText, StringComparison.Ordinal);
        Assert.Equal(id, JsonDocument.Parse(listText).RootElement.GetProperty("items")[0].GetProperty("id").GetInt32());

        using var deleted = await SendAsync(HttpMethod.Delete, $"{path}/{id}", token);
        using var gone = await SendAsync(HttpMethod.Get, $"{path}/{id}", token);
        using var goneAgain = await SendAsync(HttpMethod.Delete, $"{path}/{id}", token);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, goneAgain.StatusCode);
    }

    [Fact]
    public async Task The_webhook_list_and_delivery_log_page_by_cursor()
    {
        var (project, adminId, token) = await ProjectAsync();
        var path = $"/api/v1/projects/{project}/webhooks";
        var ids = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            using var created = await SendAsync(HttpMethod.Post, path, token, new { url = $"http://127.0.0.1:9/{i}", events = AnnotationEvents });
            ids.Add((await JsonAsync(created)).GetProperty("webhook").GetProperty("id").GetInt32());
        }
        var item = new Item { ProjectId = project, ContentHash = new string('e', 64), ExternalId = "x", Text = "x" };
        await using (var db = factory.Database.CreateContext())
        {
            db.Items.Add(item);
            for (var i = 0; i < 2; i++)
            {
                db.Items.Add(new Item { ProjectId = project, ContentHash = new string((char)('0' + i), 64), ExternalId = $"y{i}", Text = "y" });
            }
            await db.SaveChangesAsync(Cancel);
        }
        var admin = new Caller(adminId, IsAdmin: true);
        await using (var db = factory.Database.CreateContext())
        {
            var itemIds = db.Items.Where(i => i.ProjectId == project).Select(i => i.Id).ToList();
            await factory.Database.LeaseAsync(project, adminId, itemIds);
            foreach (var itemId in itemIds)
            {
                await Get<AnnotationService>().SubmitAsync(admin, project, new SubmitAnnotation(itemId, "a"), Cancel);
            }
        }

        var page1 = await JsonAsync(await SendAsync(HttpMethod.Get, $"{path}?limit=2", token));
        var page2 = await JsonAsync(await SendAsync(HttpMethod.Get, $"{path}?limit=2&cursor={page1.GetProperty("nextCursor").GetString()}", token));
        var log1 = await JsonAsync(await SendAsync(HttpMethod.Get, $"{path}/{ids[0]}/deliveries?limit=2", token));
        var log2 = await JsonAsync(await SendAsync(HttpMethod.Get, $"{path}/{ids[0]}/deliveries?limit=2&cursor={log1.GetProperty("nextCursor").GetString()}", token));

        Assert.Equal(ids.Take(2), page1.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetInt32()));
        Assert.Equal(ids.Skip(2), page2.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetInt32()));
        var deliveries = log1.GetProperty("items").EnumerateArray().Concat(log2.GetProperty("items").EnumerateArray()).ToList();
        Assert.Equal(3, deliveries.Count);
        Assert.True(deliveries[0].GetProperty("id").GetInt64() > deliveries[1].GetProperty("id").GetInt64());
        Assert.All(deliveries, d =>
        {
            Assert.Equal("annotation.created", d.GetProperty("event").GetString());
            Assert.Equal("pending", d.GetProperty("status").GetString());
            Assert.Equal(0, d.GetProperty("attempts").GetInt32());
        });
        Assert.Equal(JsonValueKind.Null, log2.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task Webhooks_need_the_admin_role_and_the_admin_scope()
    {
        var (project, adminId, _) = await ProjectAsync();
        var annotatorId = await factory.CreateUserAsync($"ann-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", Roles.Annotator);
        await Get<ProjectService>().AddMemberAsync(Caller.System, project, annotatorId, Cancel);
        var writeToken = await TokenAsync(adminId, ApiScopes.Write);
        var annotatorAdmin = await TokenAsync(annotatorId, ApiScopes.Admin);
        var path = $"/api/v1/projects/{project}/webhooks";
        var body = new { url = "https://example.org", events = AnnotationEvents };

        foreach (var (method, route) in new[] { (HttpMethod.Get, path), (HttpMethod.Post, path), (HttpMethod.Get, $"{path}/1"), (HttpMethod.Delete, $"{path}/1"), (HttpMethod.Get, $"{path}/1/deliveries") })
        {
            using var anonymous = await SendAsync(method, route, null, method == HttpMethod.Post ? body : null);
            using var scope = await SendAsync(method, route, writeToken, method == HttpMethod.Post ? body : null);
            using var role = await SendAsync(method, route, annotatorAdmin, method == HttpMethod.Post ? body : null);
            Assert.True(anonymous.StatusCode == HttpStatusCode.Unauthorized, $"{method} {route}");
            Assert.True(scope.StatusCode == HttpStatusCode.Forbidden, $"{method} {route}");
            Assert.True(role.StatusCode == HttpStatusCode.Forbidden, $"{method} {route}");
        }
    }

    [Fact]
    public async Task Bad_urls_and_events_are_refused_and_missing_things_are_404()
    {
        var (project, _, token) = await ProjectAsync();
        var (otherProject, _, _) = await ProjectAsync();
        var path = $"/api/v1/projects/{project}/webhooks";
        using var other = await SendAsync(HttpMethod.Post, $"/api/v1/projects/{otherProject}/webhooks", token, new { url = "https://example.org/o", events = AnnotationEvents });
        var otherId = (await JsonAsync(other)).GetProperty("webhook").GetProperty("id").GetInt32();

        using var ftp = await SendAsync(HttpMethod.Post, path, token, new { url = "ftp://example.org/x", events = AnnotationEvents });
        using var userInfo = await SendAsync(HttpMethod.Post, path, token, new { url = "https://u:p@example.org/x", events = AnnotationEvents });
        using var relative = await SendAsync(HttpMethod.Post, path, token, new { url = "/hook", events = AnnotationEvents });
        using var events = await SendAsync(HttpMethod.Post, path, token, new { url = "https://example.org/x", events = UnknownEvents });
        using var noProject = await SendAsync(HttpMethod.Post, $"/api/v1/projects/{int.MaxValue}/webhooks", token, new { url = "https://example.org/x", events = AnnotationEvents });
        using var wrongProject = await SendAsync(HttpMethod.Get, $"{path}/{otherId}/deliveries", token);

        foreach (var (response, field) in new[] { (ftp, "url"), (userInfo, "url"), (relative, "url"), (events, "events") })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await JsonAsync(response)).GetProperty("errors").TryGetProperty(field, out _), field);
        }
        Assert.Equal(HttpStatusCode.NotFound, noProject.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, wrongProject.StatusCode);
    }
}
