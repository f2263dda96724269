using System.Net;
using System.Net.Http.Json;
using System.Text;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using LabelLoop.Web.Tests.Api;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Accounts;

/// <summary>The sign-in cookie under <c>/api</c>: reads only. Anything that changes data needs a bearer token.</summary>
public sealed class ApiCookieTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<int> CreateProjectAsync() =>
        await factory.Services.GetRequiredService<ProjectService>().CreateAsync(Caller.System,
            new ProjectInput($"cookie-{Guid.NewGuid():N}", ProjectKind.Text, [new LabelSpec("a"), new LabelSpec("b")]), Cancel);

    /// <summary>What a page on another port of this host can make the browser send: the cookie and a foreign Origin.</summary>
    private static async Task<HttpResponseMessage> SendCrossSiteAsync(HttpClient client, HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        request.Headers.Add("Origin", "http://localhost:8081");
        request.Headers.Add("Sec-Fetch-Site", "same-site");
        return await client.SendAsync(request, Cancel);
    }

    [Fact]
    public async Task An_admin_s_cookie_alone_neither_retrains_nor_imports_nor_changes_nor_deletes_through_the_api()
    {
        var (admin, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        var project = await CreateProjectAsync();

        using var retrain = await SendCrossSiteAsync(admin, HttpMethod.Post, $"/api/v1/projects/{project}/jobs/retrain");
        using var import = await SendCrossSiteAsync(admin, HttpMethod.Post, $"/api/v1/projects/{project}/items",
            new StringContent("{\"id\":\"x\",\"text\":\"planted\"}\n", Encoding.UTF8, "application/x-ndjson"));
        using var patch = await SendCrossSiteAsync(admin, HttpMethod.Patch, $"/api/v1/projects/{project}",
            JsonContent.Create(new { name = "renamed" }));
        using var loop = await SendCrossSiteAsync(admin, HttpMethod.Put, $"/api/v1/projects/{project}/loop",
            JsonContent.Create(new { retrainEvery = 50, retrainGrowthPercent = 10, retrainIntervalMinutes = 60, committeeSize = 3, strategy = "margin" }));
        using var delete = await SendCrossSiteAsync(admin, HttpMethod.Delete, $"/api/v1/projects/{project}");

        foreach (var response in new[] { retrain, import, patch, loop, delete })
        {
            var problem = await ApiKit.ProblemAsync(response, HttpStatusCode.Unauthorized);
            Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            Assert.Contains("cookie counts only for GET", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        await using var db = factory.Database.CreateContext();
        Assert.False(await db.JobRuns.AnyAsync(j => j.ProjectId == project, Cancel));
        Assert.False(await db.Items.AnyAsync(i => i.ProjectId == project, Cancel));
        var row = await db.Projects.SingleAsync(p => p.Id == project, Cancel);
        Assert.StartsWith("cookie-", row.Name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cookie_still_reads_through_the_api_and_a_token_of_the_same_account_still_writes()
    {
        var (admin, adminId, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using var token = await factory.CreateTokenClientAsync(adminId);
        var project = await CreateProjectAsync();

        using var read = await admin.GetAsync(new Uri($"/api/v1/projects/{project}", UriKind.Relative), Cancel);
        using var retrain = await token.PostAsync(new Uri($"/api/v1/projects/{project}/jobs/retrain", UriKind.Relative), null, Cancel);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, retrain.StatusCode);
    }

    [Fact]
    public async Task A_bearer_token_wins_over_the_cookie_even_for_reads()
    {
        var (admin, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/projects", UriKind.Relative));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "llpat_not-a-real-token");

        using var response = await admin.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
