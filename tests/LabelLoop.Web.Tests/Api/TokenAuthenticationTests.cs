using System.Net;
using System.Net.Http.Headers;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Accounts;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Api;

public sealed class TokenAuthenticationTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<(int Project, string UserId)> ProjectWithMemberAsync(string role)
    {
        var userId = await factory.CreateUserAsync($"{role}-{Guid.NewGuid():N}@example.org", "Passw0rd-for-tests", role);
        var projects = factory.Services.GetRequiredService<ProjectService>();
        var project = await projects.CreateAsync(Caller.System,
            new ProjectInput($"tokens-{Guid.NewGuid():N}", ProjectKind.Text, [new LabelSpec("a"), new LabelSpec("b")]), Cancel);
        await projects.AddMemberAsync(Caller.System, project, userId, Cancel);
        return (project, userId);
    }

    private async Task<string> TokenAsync(string userId, params string[] scopes) =>
        (await factory.Services.GetRequiredService<ApiTokenService>().CreateAsync(Caller.System, userId, "test", scopes, null, Cancel)).Secret;

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token)
    {
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await client.SendAsync(request, Cancel);
    }

    [Fact]
    public async Task A_read_token_of_a_member_reads_but_cannot_label()
    {
        var (project, userId) = await ProjectWithMemberAsync(Roles.Annotator);
        var token = await TokenAsync(userId, ApiScopes.Read);

        using var list = await SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/jobs", token);
        using var next = await SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/next", token);

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, next.StatusCode);
    }

    [Fact]
    public async Task A_label_token_leases_items_and_a_non_member_gets_403()
    {
        var (project, userId) = await ProjectWithMemberAsync(Roles.Annotator);
        var (_, outsiderId) = await ProjectWithMemberAsync(Roles.Annotator);

        using var member = await SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/next", await TokenAsync(userId, ApiScopes.Label));
        using var outsider = await SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/next", await TokenAsync(outsiderId, ApiScopes.Label));

        // The project has no items: the member is told so (204), the outsider is refused.
        Assert.Equal(HttpStatusCode.NoContent, member.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, outsider.StatusCode);
    }

    [Fact]
    public async Task Admin_endpoints_need_both_the_admin_role_and_the_admin_scope()
    {
        var (project, adminId) = await ProjectWithMemberAsync(Roles.Admin);
        var (_, annotatorId) = await ProjectWithMemberAsync(Roles.Annotator);

        using var writeScope = await SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/jobs/retrain", await TokenAsync(adminId, ApiScopes.Write));
        using var annotatorAdminScope = await SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/jobs/retrain", await TokenAsync(annotatorId, ApiScopes.Admin));
        using var adminScope = await SendAsync(HttpMethod.Post, $"/api/v1/projects/{project}/jobs/retrain", await TokenAsync(adminId, ApiScopes.Admin));

        Assert.Equal(HttpStatusCode.Forbidden, writeScope.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, annotatorAdminScope.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, adminScope.StatusCode);
    }

    [Fact]
    public async Task Missing_unknown_and_revoked_tokens_get_401_with_a_bearer_challenge()
    {
        var (project, userId) = await ProjectWithMemberAsync(Roles.Annotator);
        var tokens = factory.Services.GetRequiredService<ApiTokenService>();
        var revoked = await tokens.CreateAsync(Caller.System, userId, "soon gone", [ApiScopes.Read], null, Cancel);
        await tokens.RevokeAsync(Caller.System, revoked.Token.Id, Cancel);
        var path = $"/api/v1/projects/{project}/jobs";

        using var none = await SendAsync(HttpMethod.Get, path, null);
        using var unknown = await SendAsync(HttpMethod.Get, path, ApiTokenService.SecretPrefix + "nothing-like-this");
        using var gone = await SendAsync(HttpMethod.Get, path, revoked.Secret);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, gone.StatusCode);
        Assert.Contains("invalid_token", gone.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_does_not_sign_in_to_the_pages()
    {
        var (project, userId) = await ProjectWithMemberAsync(Roles.Admin);

        using var page = await SendAsync(HttpMethod.Get, $"/projects/{project}", await TokenAsync(userId, ApiScopes.Admin));

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/login", page.Headers.Location?.PathAndQuery ?? "", StringComparison.Ordinal);
    }
}
