using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Projects;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Api;

public abstract class LabelingApiTests<TFixture>(TFixture factory) : IClassFixture<TFixture>
    where TFixture : LabelLoopWebFactory
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private Task<int> CreateTextProjectAsync(int items, params string[] members) =>
        factory.CreateTextProjectAsync("api", [new LabelSpec("yes"), new LabelSpec("no")], items, overlap: 1, members, Cancel);

    private static async Task<JsonElement?> NextAsync(HttpClient client, int project)
    {
        using var response = await client.PostAsync(new Uri($"/api/v1/projects/{project}/next", UriKind.Relative), null, Cancel);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
    }

    private static async Task<HttpResponseMessage> AnnotateAsync(HttpClient client, int project, long itemId, string label, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/v1/projects/{project}/annotations", UriKind.Relative))
        {
            Content = JsonContent.Create(new { itemId, label }),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        return await client.SendAsync(request, Cancel);
    }

    [Fact]
    public async Task Fifty_annotators_in_parallel_store_every_label_exactly_once()
    {
        const int annotators = 50, items = 200;
        var clients = new List<(HttpClient Client, string UserId)>();
        for (var i = 0; i < annotators; i++)
        {
            var (client, userId, _) = await factory.CreateApiClientAsync(Roles.Annotator);
            clients.Add((client, userId));
        }
        var project = await CreateTextProjectAsync(items, [.. clients.Select(c => c.UserId)]);
        var served = new ConcurrentDictionary<long, string>();
        var duplicates = new ConcurrentBag<long>();

        await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = annotators, CancellationToken = Cancel }, async (c, _) =>
        {
            var n = 0;
            while (await NextAsync(c.Client, project) is { } next)
            {
                var itemId = next.GetProperty("itemId").GetInt64();
                if (!served.TryAdd(itemId, c.UserId))
                {
                    duplicates.Add(itemId);
                }
                var key = $"{c.UserId}-{itemId}";
                using var first = await AnnotateAsync(c.Client, project, itemId, "yes", key);
                Assert.Equal(HttpStatusCode.Created, first.StatusCode);
                if (n++ % 3 == 0)
                {
                    // A retried request: same key, same answer, nothing new stored.
                    using var retry = await AnnotateAsync(c.Client, project, itemId, "yes", key);
                    Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
                }
            }
        });

        Assert.Empty(duplicates);
        Assert.Equal(items, served.Count);
        await using var db = factory.Database.CreateContext();
        Assert.Equal(items, await db.Annotations.CountAsync(a => a.ProjectId == project, Cancel));
        Assert.Equal(items, await db.Annotations.Where(a => a.ProjectId == project).Select(a => a.ItemId).Distinct().CountAsync(Cancel));
        Assert.Equal(items, await db.Projects.Where(p => p.Id == project).Select(p => p.LabeledCount).SingleAsync(Cancel));
    }

    [Fact]
    public async Task Annotations_answer_201_then_200_for_a_retry_with_the_same_key()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync(Roles.Annotator);
        var project = await CreateTextProjectAsync(2, userId);
        var itemId = (await NextAsync(client, project))!.Value.GetProperty("itemId").GetInt64();

        using var created = await AnnotateAsync(client, project, itemId, "no", "k1");
        using var again = await AnnotateAsync(client, project, itemId, "no", "k1");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var a = await created.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var b = await again.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal(a.GetProperty("id").GetInt64(), b.GetProperty("id").GetInt64());
        Assert.Equal("Labeled", a.GetProperty("itemStatus").GetString());
    }

    private static async Task<string> ConflictDetailAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal(409, problem.GetProperty("status").GetInt32());
        return problem.GetProperty("detail").GetString()!;
    }

    private async Task<List<long>> ItemIdsAsync(int project)
    {
        await using var db = factory.Database.CreateContext();
        return await db.Items.Where(i => i.ProjectId == project).OrderBy(i => i.Id).Select(i => i.Id).ToListAsync(Cancel);
    }

    [Fact]
    public async Task Answers_outside_the_callers_lease_or_past_the_items_overlap_are_409_with_the_reason()
    {
        var (a, aId, _) = await factory.CreateApiClientAsync(Roles.Annotator);
        var (b, bId, _) = await factory.CreateApiClientAsync(Roles.Annotator);
        var (c, cId, _) = await factory.CreateApiClientAsync(Roles.Annotator);
        var project = await CreateTextProjectAsync(2, aId, bId, cId);
        var itemId = (await NextAsync(a, project))!.Value.GetProperty("itemId").GetInt64();
        var free = (await ItemIdsAsync(project)).Single(i => i != itemId);

        using var leasedToA = await AnnotateAsync(b, project, itemId, "no", "b-1");
        using var neverServed = await AnnotateAsync(b, project, free, "no", "b-2");
        using var labeled = await AnnotateAsync(a, project, itemId, "yes", "a-1");
        using var afterB = await AnnotateAsync(b, project, itemId, "no", "b-3");
        using var afterC = await AnnotateAsync(c, project, itemId, "no", "c-1");
        using var replay = await AnnotateAsync(a, project, itemId, "yes", "a-1");

        Assert.Equal($"Item {itemId} is leased to another annotator.", await ConflictDetailAsync(leasedToA));
        Assert.Contains("not leased to you", await ConflictDetailAsync(neverServed), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, labeled.StatusCode);
        Assert.Equal($"Item {itemId} already has the answers it needs (it is labeled).", await ConflictDetailAsync(afterB));
        Assert.Equal($"Item {itemId} already has the answers it needs (it is labeled).", await ConflictDetailAsync(afterC));
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        await using var db = factory.Database.CreateContext();
        Assert.Equal(1, await db.Annotations.CountAsync(x => x.ProjectId == project, Cancel));
    }

    [Fact]
    public async Task Labels_past_the_projects_budget_are_409()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync(Roles.Annotator);
        var project = await CreateTextProjectAsync(5, userId);
        await using (var db = factory.Database.CreateContext())
        {
            await db.Projects.Where(p => p.Id == project).ExecuteUpdateAsync(s => s.SetProperty(p => p.LabelBudget, 2), Cancel);
        }
        var items = await ItemIdsAsync(project);
        // Leases beyond the budget (the queue would not grant them): the labels still stop at it.
        await factory.Database.LeaseAsync(project, userId, items);

        var answers = new List<HttpResponseMessage>();
        foreach (var item in items)
        {
            answers.Add(await AnnotateAsync(client, project, item, "yes", $"budget-{item}"));
        }

        Assert.Equal(new[] { HttpStatusCode.Created, HttpStatusCode.Created }, answers.Take(2).Select(r => r.StatusCode));
        foreach (var refused in answers.Skip(2))
        {
            Assert.Equal("The project's label budget is spent (2 labels).", await ConflictDetailAsync(refused));
        }
        answers.ForEach(r => r.Dispose());
        await using var check = factory.Database.CreateContext();
        Assert.Equal(2, await check.Annotations.CountAsync(x => x.ProjectId == project, Cancel));
    }

    [Fact]
    public async Task An_idempotency_key_reused_in_another_project_is_a_409_not_a_404()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync(Roles.Annotator);
        var first = await CreateTextProjectAsync(1, userId);
        var second = await CreateTextProjectAsync(1, userId);
        var one = (await NextAsync(client, first))!.Value.GetProperty("itemId").GetInt64();
        var two = (await NextAsync(client, second))!.Value.GetProperty("itemId").GetInt64();

        using var created = await AnnotateAsync(client, first, one, "yes", "pipeline-7");
        using var reused = await AnnotateAsync(client, second, two, "yes", "pipeline-7");
        using var fresh = await AnnotateAsync(client, second, two, "yes", "pipeline-8");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var detail = await ConflictDetailAsync(reused);
        Assert.Contains("'pipeline-7' was already used for another request", detail, StringComparison.Ordinal);
        Assert.DoesNotContain($"project {first}", detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, fresh.StatusCode);
    }

    [Fact]
    public async Task Next_carries_the_projects_labels_in_label_bar_order()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync(Roles.Annotator);
        var project = await CreateTextProjectAsync(1, userId);

        var next = (await NextAsync(client, project))!.Value;

        var labels = next.GetProperty("labels").EnumerateArray().ToList();
        Assert.Equal(["yes", "no"], labels.Select(l => l.GetProperty("name").GetString()));
        Assert.All(labels, l => Assert.True(l.TryGetProperty("hotkey", out _) && l.TryGetProperty("color", out _)));
        Assert.StartsWith("item 0 of", next.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.True(next.TryGetProperty("leaseExpiresUtc", out _));
        Assert.True(next.TryGetProperty("suggestion", out _));
        Assert.True(next.TryGetProperty("why", out _));
    }

    [Fact]
    public async Task An_unknown_label_is_a_400_problem_naming_the_label()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync(Roles.Annotator);
        var project = await CreateTextProjectAsync(1, userId);
        var itemId = (await NextAsync(client, project))!.Value.GetProperty("itemId").GetInt64();

        using var response = await AnnotateAsync(client, project, itemId, "maybe", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("maybe", await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_member_gets_403_on_every_workspace_request()
    {
        var (member, memberId, _) = await factory.CreateApiClientAsync(Roles.Annotator);
        var project = await CreateTextProjectAsync(2, memberId);
        var itemId = (await NextAsync(member, project))!.Value.GetProperty("itemId").GetInt64();
        var (outsider, outsiderId, _) = await factory.CreateLoggedInClientAsync(Roles.Annotator);
        using var outsiderApi = await factory.CreateTokenClientAsync(outsiderId);

        using var next = await outsiderApi.PostAsync(new Uri($"/api/v1/projects/{project}/next", UriKind.Relative), null, Cancel);
        using var annotate = await AnnotateAsync(outsiderApi, project, itemId, "yes", null);
        using var content = await outsider.GetAsync(new Uri($"/api/v1/projects/{project}/items/{itemId}/content", UriKind.Relative), Cancel);
        using var page = await outsider.GetAsync(new Uri($"/projects/{project}/label", UriKind.Relative), Cancel);

        Assert.Equal(HttpStatusCode.Forbidden, next.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, annotate.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, content.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
    }

    [Fact]
    public async Task Anonymous_api_calls_get_401_not_a_login_redirect()
    {
        var client = factory.CreateBrowserClient();

        using var response = await client.PostAsync(new Uri("/api/v1/projects/1/next", UriKind.Relative), null, Cancel);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}

/// <summary>The tests above on the default provider (SQLite).</summary>
public sealed class LabelingApiTests(LabelLoopWebFactory factory) : LabelingApiTests<LabelLoopWebFactory>(factory);

/// <summary>The tests above on PostgreSQL.</summary>
public sealed class LabelingApiTestsOnPostgres(PostgresWebFactory factory) : LabelingApiTests<PostgresWebFactory>(factory);
