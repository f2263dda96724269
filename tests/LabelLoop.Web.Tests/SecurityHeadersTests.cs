using System.Net;
using LabelLoop.Core.Accounts;
using LabelLoop.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests;

/// <summary>Every response carries the security headers: pages, API, static files, status pages and errors.</summary>
public sealed class SecurityHeadersTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private const string FailingPath = "/test-only/failure";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static void AssertHeaders(HttpResponseMessage response, string what)
    {
        string Header(string name) =>
            response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
                ? string.Join(", ", values)
                : throw new Xunit.Sdk.XunitException($"{what} ({(int)response.StatusCode}) has no {name} header.");

        Assert.Contains("frame-ancestors 'none'", Header("Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Equal("DENY", Header("X-Frame-Options"));
        Assert.Equal("nosniff", Header("X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header("Referrer-Policy"));
    }

    [Fact]
    public async Task Pages_api_static_files_status_pages_and_refusals_all_carry_the_headers()
    {
        var (admin, adminId, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);
        using var api = await factory.CreateTokenClientAsync(adminId);
        using var anonymous = factory.CreateBrowserClient();

        var responses = new List<(string What, HttpResponseMessage Response)>
        {
            ("the login page", await anonymous.GetAsync(new Uri("/login", UriKind.Relative), Cancel)),
            ("a redirect to login", await anonymous.GetAsync(new Uri("/admin", UriKind.Relative), Cancel)),
            ("the admin page", await admin.GetAsync(new Uri("/admin", UriKind.Relative), Cancel)),
            ("the admin page again", await admin.GetAsync(new Uri("/admin", UriKind.Relative), Cancel)),
            ("the project list", await admin.GetAsync(new Uri("/projects", UriKind.Relative), Cancel)),
            ("a missing page", await admin.GetAsync(new Uri("/projects/999999", UriKind.Relative), Cancel)),
            ("an unknown path", await admin.GetAsync(new Uri("/no/such/page", UriKind.Relative), Cancel)),
            ("a stylesheet", await anonymous.GetAsync(new Uri("/css/site.css", UriKind.Relative), Cancel)),
            ("a script", await anonymous.GetAsync(new Uri("/js/workspace.js", UriKind.Relative), Cancel)),
            ("an API list", await api.GetAsync(new Uri("/api/v1/projects", UriKind.Relative), Cancel)),
            ("an API refusal", await anonymous.GetAsync(new Uri("/api/v1/projects", UriKind.Relative), Cancel)),
            ("an unknown API route", await api.GetAsync(new Uri("/api/v1/nothing", UriKind.Relative), Cancel)),
            ("the OpenAPI document", await anonymous.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative), Cancel)),
            ("Swagger UI", await anonymous.GetAsync(new Uri("/api/docs", UriKind.Relative), Cancel)),
        };
        try
        {
            foreach (var (what, response) in responses)
            {
                AssertHeaders(response, what);
            }
            Assert.Equal(HttpStatusCode.OK, responses[2].Response.StatusCode);
            Assert.Equal(HttpStatusCode.OK, responses[7].Response.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, responses[10].Response.StatusCode);
            // The pages' policy: no inline script anywhere, no eval.
            var pagePolicy = string.Join("", responses[2].Response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("script-src 'self';", pagePolicy, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-eval", pagePolicy, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var (_, response) in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task An_unhandled_error_still_carries_the_headers()
    {
        await using var app = factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IStartupFilter, FailingEndOfPipeline>()));
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var email = $"admin-{Guid.NewGuid():N}@example.org";
        await factory.CreateUserAsync(email, "Passw0rd-for-tests", Roles.Admin);
        using var login = await WebForms.LoginAsync(client, email, "Passw0rd-for-tests");
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);

        using var response = await client.GetAsync(new Uri(FailingPath, UriKind.Relative), Cancel);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        AssertHeaders(response, "an error");
    }

    [Fact]
    public async Task An_endpoint_s_own_policy_is_kept_and_still_forbids_framing()
    {
        using var anonymous = factory.CreateBrowserClient();

        using var docs = await anonymous.GetAsync(new Uri("/api/docs", UriKind.Relative), Cancel);
        var policy = string.Join("", docs.Headers.GetValues("Content-Security-Policy"));

        // Swagger UI's own policy (inline styles for its widgets), with framing forbidden once, not twice.
        Assert.Contains("style-src 'self' 'unsafe-inline'; img-src 'self' data:", policy, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(policy, "frame-ancestors"));
    }

    /// <summary>Fails every request that no endpoint took, after the application's own middleware.</summary>
    private sealed class FailingEndOfPipeline : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Run(context =>
            {
                if (context.Request.Path == FailingPath)
                {
                    throw new InvalidOperationException("A failure for the test.");
                }
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        };
    }
}
