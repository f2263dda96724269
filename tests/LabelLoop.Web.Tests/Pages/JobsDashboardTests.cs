using System.Net;
using LabelLoop.Core.Accounts;
using LabelLoop.Testing;
using LabelLoop.Web.Api;
using Microsoft.AspNetCore.Mvc.Testing;
using Xunit;

namespace LabelLoop.Web.Tests.Pages;

/// <summary>Hangfire's dashboard at /admin/jobs: admins only, and read-only but for retrying and deleting jobs.</summary>
public sealed class JobsDashboardTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static Uri Url(string path) => new(path, UriKind.Relative);

    [Fact]
    public async Task Admins_see_the_dashboard_and_its_recurring_job()
    {
        var (admin, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);

        using var home = await admin.GetAsync(Url(JobsDashboard.Path), Cancel);
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("LabelLoop jobs", await home.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        using var servers = await admin.GetAsync(Url($"{JobsDashboard.Path}/servers"), Cancel);
        Assert.Equal(HttpStatusCode.OK, servers.StatusCode);
        var adminPage = await admin.GetStringAsync(Url("/admin"), Cancel);
        Assert.Contains("href=\"/admin/jobs\"", adminPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Annotators_are_refused_and_visitors_sent_to_the_login_page()
    {
        var (annotator, _, _) = await factory.CreateLoggedInClientAsync(Roles.Annotator);
        using var anonymous = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        foreach (var path in new[] { JobsDashboard.Path, $"{JobsDashboard.Path}/jobs/failed", $"{JobsDashboard.Path}/stats" })
        {
            using var refused = await annotator.GetAsync(Url(path), Cancel);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{path} answered an annotator {(int)refused.StatusCode}");
            using var visitor = await anonymous.GetAsync(Url(path), Cancel);
            Assert.True(visitor.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Unauthorized, $"{path} answered a visitor {(int)visitor.StatusCode}");
            if (visitor.StatusCode == HttpStatusCode.Redirect)
            {
                Assert.Contains("/login", visitor.Headers.Location!.ToString(), StringComparison.OrdinalIgnoreCase);
            }
        }
        using var post = await annotator.PostAsync(Url($"{JobsDashboard.Path}/jobs/actions/delete/1"), new FormUrlEncodedContent([]), Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
    }

    [Fact]
    public async Task Admins_may_retry_and_delete_jobs_but_change_nothing_else()
    {
        var (admin, _, _) = await factory.CreateLoggedInClientAsync(Roles.Admin);

        foreach (var path in new[] { "/recurring/trigger", "/recurring/remove", "/jobs/scheduled/enqueue" })
        {
            using var refused = await admin.PostAsync(Url(JobsDashboard.Path + path), new FormUrlEncodedContent([]), Cancel);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{path} answered {(int)refused.StatusCode}");
        }
        Assert.True(JobsDashboard.IsAllowed("POST", "/jobs/failed/requeue"));
        Assert.True(JobsDashboard.IsAllowed("POST", "/jobs/enqueued/delete"));
        Assert.True(JobsDashboard.IsAllowed("POST", "/jobs/actions/requeue/42"));
        Assert.True(JobsDashboard.IsAllowed("POST", "/jobs/actions/delete/42"));
        Assert.True(JobsDashboard.IsAllowed("GET", "/recurring"));
        Assert.False(JobsDashboard.IsAllowed("POST", "/recurring/trigger"));
        Assert.False(JobsDashboard.IsAllowed("POST", "/jobs/scheduled/enqueue"));
        Assert.False(JobsDashboard.IsAllowed("POST", "/jobs/actions/enqueue/42"));
    }
}
