using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using LabelLoop.Web.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace LabelLoop.Web.Api;

/// <summary>
/// Request budget per caller under <c>/api/v1</c>. Configuration keys <c>Api:RateLimit:PermitsPerMinute</c> (0 turns
/// limiting off) and <c>Api:RateLimit:Burst</c> (how many requests may arrive at once after a quiet spell).
/// </summary>
public sealed class ApiRateLimitOptions
{
    public const string Section = "Api:RateLimit";

    public int PermitsPerMinute { get; set; } = 600;

    public int Burst { get; set; } = 100;
}

/// <summary>
/// A token bucket per personal access token, per user for cookie sessions, per address for anonymous callers.
/// Buckets live in this process: behind a load balancer each node counts on its own.
/// </summary>
public static class ApiRateLimiting
{
    public static IServiceCollection AddApiRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ApiRateLimitOptions>(configuration.GetSection(ApiRateLimitOptions.Section));
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(Partition);
            o.OnRejected = OnRejectedAsync;
        });
        return services;
    }

    private static RateLimitPartition<string> Partition(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api/v1"))
        {
            return RateLimitPartition.GetNoLimiter("");
        }
        var options = context.RequestServices.GetRequiredService<IOptions<ApiRateLimitOptions>>().Value;
        if (options.PermitsPerMinute <= 0)
        {
            return RateLimitPartition.GetNoLimiter("");
        }
        var user = context.User;
        var key = user.FindFirstValue(ApiTokenAuthenticationHandler.TokenIdClaim) is { } tokenId ? $"token:{tokenId}"
            : user.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId ? $"user:{userId}"
            : $"address:{context.Connection.RemoteIpAddress}";
        // The partitioned limiter replenishes every 100 ms at most, so refill once a second (or once per permit
        // when there are fewer than 60 a minute) rather than once per permit.
        var (period, tokens) = options.PermitsPerMinute >= 60
            ? (TimeSpan.FromSeconds(1), (int)Math.Ceiling(options.PermitsPerMinute / 60.0))
            : (TimeSpan.FromSeconds(60.0 / options.PermitsPerMinute), 1);
        return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, options.Burst),
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"This caller's request budget is spent; retry in {seconds} s (see Retry-After).",
            },
        });
    }
}
