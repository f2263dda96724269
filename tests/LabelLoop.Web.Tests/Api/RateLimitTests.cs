using System.Net;
using System.Net.Http.Headers;
using LabelLoop.Core.Accounts;
using LabelLoop.Data.Accounts;
using LabelLoop.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Api;

public sealed class RateLimitTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static CancellationToken Cancel => ApiKit.Cancel;

    private static async Task<HttpStatusCode> GetAsync(HttpClient client, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request, Cancel);
        return response.StatusCode;
    }

    [Fact]
    public async Task Each_token_has_its_own_budget_and_an_exhausted_one_gets_a_429_problem_with_retry_after()
    {
        await using var limited = factory.WithWebHostBuilder(b => b
            .UseSetting("Api:RateLimit:PermitsPerMinute", "2")
            .UseSetting("Api:RateLimit:Burst", "2"));
        using var client = limited.CreateClient();
        var tokens = limited.Services.GetRequiredService<ApiTokenService>();
        var userId = await factory.CreateUserAsync($"limited-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", Roles.Annotator);
        var first = (await tokens.CreateAsync(Caller.System, userId, "one", [ApiScopes.Read], null, Cancel)).Secret;
        var second = (await tokens.CreateAsync(Caller.System, userId, "two", [ApiScopes.Read], null, Cancel)).Secret;

        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "/api/v1/projects", first));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "/api/v1/tokens", first));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/projects", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", first);
        using var refused = await client.SendAsync(request, Cancel);

        var problem = await ApiKit.ProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Contains("Retry-After", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var retryAfter = int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 30);
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "/api/v1/projects", second));
        // Pages and the API description are not counted.
        using var docs = await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative), Cancel);
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
    }

    [Fact]
    public async Task The_default_budget_is_generous()
    {
        using var client = factory.CreateClient();
        var userId = await factory.CreateUserAsync($"busy-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", Roles.Annotator);
        var token = (await factory.Services.GetRequiredService<ApiTokenService>().CreateAsync(Caller.System, userId, "busy", [ApiScopes.Read], null, Cancel)).Secret;

        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await GetAsync(client, "/api/v1/projects", token));
        }
    }
}
