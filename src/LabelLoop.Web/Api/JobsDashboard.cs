using Hangfire;
using Hangfire.Dashboard;
using LabelLoop.Web.Accounts;

namespace LabelLoop.Web.Api;

/// <summary>
/// Hangfire's dashboard at <c>/admin/jobs</c>: queues, running jobs, retries, failures with their exceptions, servers and
/// the recurring job. Admins only (the admin policy on our cookie; an annotator gets 403, a visitor the login page).
/// Read-only but for retrying and deleting jobs: a retry of a failed job runs its job run again, a delete of a queued or
/// running one cancels it.
/// </summary>
public static class JobsDashboard
{
    public const string Path = "/admin/jobs";

    public static IEndpointConventionBuilder MapJobsDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = new DashboardOptions
        {
            AppPath = "/admin",
            DashboardTitle = "LabelLoop jobs",
            DisplayStorageConnectionString = false,
            AsyncAuthorization = [new RetryAndDeleteOnly()],
        };
        return app.MapHangfireDashboardWithAuthorizationPolicy(
            AccountsServiceCollectionExtensions.AdminPolicy, Path, options, app.Services.GetRequiredService<JobStorage>());
    }

    /// <summary>Whether a dashboard request (its path below <see cref="Path"/>) may change anything: retries and deletes of jobs only.</summary>
    public static bool IsAllowed(string method, string path)
    {
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
        {
            return true;
        }
        if (!path.StartsWith("/jobs/", StringComparison.Ordinal))
        {
            return false;
        }
        return path.StartsWith("/jobs/actions/requeue/", StringComparison.Ordinal)
            || path.StartsWith("/jobs/actions/delete/", StringComparison.Ordinal)
            || (!path.StartsWith("/jobs/actions/", StringComparison.Ordinal)
                && (path.EndsWith("/requeue", StringComparison.Ordinal) || path.EndsWith("/delete", StringComparison.Ordinal)));
    }

    /// <summary>Refuses every change but a retry or a delete (the admin policy has already let the user in).</summary>
    private sealed class RetryAndDeleteOnly : IDashboardAsyncAuthorizationFilter
    {
        public Task<bool> AuthorizeAsync(DashboardContext context) =>
            Task.FromResult(context.GetHttpContext().User.IsInRole(Core.Accounts.Roles.Admin)
                && IsAllowed(context.Request.Method, context.Request.Path));
    }
}
