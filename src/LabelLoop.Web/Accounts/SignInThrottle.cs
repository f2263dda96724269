using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace LabelLoop.Web.Accounts;

/// <summary>
/// Sign-in attempts allowed per account and per client address. Each is a token bucket: <c>*Attempts</c> at once,
/// then one more every <c>*RefillSeconds</c>. Configuration section <c>Accounts:SignInThrottle</c>; 0 attempts turns
/// that limit off.
/// </summary>
public sealed class SignInThrottleOptions
{
    public const string Section = "Accounts:SignInThrottle";

    public int AccountAttempts { get; set; } = 5;

    public int AccountRefillSeconds { get; set; } = 60;

    public int AddressAttempts { get; set; } = 20;

    public int AddressRefillSeconds { get; set; } = 6;
}

/// <summary>
/// Throttles password sign-in attempts per e-mail address (whether or not an account has it, so the answer says
/// nothing about which accounts exist) and per client address (IPv6 per /64). It replaces Identity's lockout, which
/// let anyone lock any account with five wrong passwords. A throttled account keeps its sessions and API tokens; only
/// new password sign-ins wait. The buckets live in this process, the way the API's rate limiter does (see
/// <see cref="Api.ApiRateLimiting"/>): behind a load balancer each node counts on its own.
/// </summary>
public sealed class SignInThrottle : IDisposable
{
    private const int MaxKeyLength = 256;
    private readonly PartitionedRateLimiter<string>? _perAccount;
    private readonly PartitionedRateLimiter<string>? _perAddress;

    public SignInThrottle(IOptions<SignInThrottleOptions> options)
    {
        var o = options.Value;
        _perAccount = Create(o.AccountAttempts, o.AccountRefillSeconds);
        _perAddress = Create(o.AddressAttempts, o.AddressRefillSeconds);
    }

    /// <summary>
    /// Takes one attempt from the address's and the account's budget. Null when the attempt may go ahead; otherwise how
    /// long to wait.
    /// </summary>
    public TimeSpan? TryAcquire(string email, IPAddress? address)
    {
        return Take(_perAddress, AddressKey(address)) ?? Take(_perAccount, AccountKey(email));

        static TimeSpan? Take(PartitionedRateLimiter<string>? limiter, string key)
        {
            if (limiter is null)
            {
                return null;
            }
            using var lease = limiter.AttemptAcquire(key);
            if (lease.IsAcquired)
            {
                return null;
            }
            return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
        }
    }

    /// <summary>The e-mail as Identity normalises it, so <c>Admin@X</c> and <c>admin@x </c> share a budget.</summary>
    public static string AccountKey(string email)
    {
        var normalized = email.Trim().ToUpperInvariant();
        return normalized.Length > MaxKeyLength ? normalized[..MaxKeyLength] : normalized;
    }

    /// <summary>An IPv4 address, or the /64 network of an IPv6 one (a single host usually holds a whole /64).</summary>
    public static string AddressKey(IPAddress? address)
    {
        if (address is null)
        {
            return "";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private static PartitionedRateLimiter<string>? Create(int attempts, int refillSeconds)
    {
        if (attempts <= 0)
        {
            return null;
        }
        var options = new TokenBucketRateLimiterOptions
        {
            TokenLimit = attempts,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(Math.Max(1, refillSeconds)),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        return PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => options));
    }

    public void Dispose()
    {
        _perAccount?.Dispose();
        _perAddress?.Dispose();
    }
}
