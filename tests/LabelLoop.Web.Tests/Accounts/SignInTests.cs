using System.Net;
using LabelLoop.Core.Accounts;
using LabelLoop.Data.Accounts;
using LabelLoop.Testing;
using LabelLoop.Web.Accounts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LabelLoop.Web.Tests.Accounts;

/// <summary>
/// Password sign-in: throttled per account and per client address, silent about which accounts exist, and never a
/// reason for the account's API tokens to stop working.
/// </summary>
public sealed class SignInTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private const string Password = "Passw0rd-for-tests";
    private const string ClientHeader = "X-Test-Client-Address";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string NewEmail(string what) => $"{what}-{Guid.NewGuid():N}@example.org";

    /// <summary>The application with its own throttle settings; requests say which client address they come from.</summary>
    private WebApplicationFactory<Program> WithThrottle(
        int accountAttempts, int addressAttempts, Action<IServiceCollection>? services = null, IReadOnlyDictionary<string, string>? settings = null) =>
        factory.WithWebHostBuilder(b =>
        {
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                b.UseSetting(key, value);
            }
            b.UseSetting("Accounts:SignInThrottle:AccountAttempts", accountAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
            b.UseSetting("Accounts:SignInThrottle:AccountRefillSeconds", "3600");
            b.UseSetting("Accounts:SignInThrottle:AddressAttempts", addressAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
            b.UseSetting("Accounts:SignInThrottle:AddressRefillSeconds", "3600");
            b.ConfigureTestServices(s =>
            {
                s.AddSingleton<IStartupFilter, ClientAddressFromHeader>();
                services?.Invoke(s);
            });
        });

    private static HttpClient Browser(WebApplicationFactory<Program> app, string address)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        client.DefaultRequestHeaders.Add(ClientHeader, address);
        return client;
    }

    /// <summary>Signs in and returns null on success (a redirect), or the error the page shows.</summary>
    private static async Task<string?> SignInAsync(HttpClient client, string email, string password)
    {
        using var response = await WebForms.LoginAsync(client, email, password);
        if (response.StatusCode == HttpStatusCode.Redirect)
        {
            return null;
        }
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await Html.ParseAsync(response)).QuerySelector("[role=alert][data-kind=danger]")?.Text() ?? "(no message)";
    }

    [Fact]
    public async Task Wrong_passwords_for_an_admin_leave_the_admin_s_api_token_working()
    {
        var email = NewEmail("admin");
        var adminId = await factory.CreateUserAsync(email, Password, Roles.Admin);
        using var api = await factory.CreateTokenClientAsync(adminId);
        using var attacker = factory.CreateBrowserClient();

        for (var i = 0; i < 8; i++)
        {
            Assert.NotNull(await SignInAsync(attacker, email, $"guess-{i}"));
        }
        using var projects = await api.GetAsync(new Uri("/api/v1/projects", UriKind.Relative), Cancel);

        Assert.Equal(HttpStatusCode.OK, projects.StatusCode);
    }

    [Fact]
    public async Task A_locked_out_account_s_token_still_authenticates()
    {
        var email = NewEmail("locked");
        var userId = await factory.CreateUserAsync(email, Password, Roles.Annotator);
        using var api = await factory.CreateTokenClientAsync(userId);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<LabelLoopUser>>();
            var user = (await users.FindByIdAsync(userId))!;
            await users.SetLockoutEndDateAsync(user, TimeProvider.System.GetUtcNow().AddHours(1));
        }

        using var projects = await api.GetAsync(new Uri("/api/v1/projects", UriKind.Relative), Cancel);

        Assert.Equal(HttpStatusCode.OK, projects.StatusCode);
    }

    [Fact]
    public async Task An_account_gets_its_attempts_then_waits_and_an_unknown_e_mail_gets_exactly_the_same_answers()
    {
        await using var app = WithThrottle(accountAttempts: 3, addressAttempts: 0);
        var known = NewEmail("known");
        await factory.CreateUserAsync(known, Password, Roles.Admin);
        var unknown = NewEmail("unknown");

        var knownAnswers = new List<string?>();
        var unknownAnswers = new List<string?>();
        for (var i = 0; i < 3; i++)
        {
            // From a new address each time: the account's own budget is what runs out.
            using var a = Browser(app, $"10.1.0.{i + 1}");
            knownAnswers.Add(await SignInAsync(a, known, "wrong-password"));
            using var b = Browser(app, $"10.2.0.{i + 1}");
            unknownAnswers.Add(await SignInAsync(b, unknown, "wrong-password"));
        }
        using var owner = Browser(app, "10.3.0.1");
        var ownerAnswer = await SignInAsync(owner, known, Password);
        using var other = Browser(app, "10.3.0.2");
        var otherAnswer = await SignInAsync(other, unknown, Password);

        Assert.All(knownAnswers, a => Assert.Equal(SignInService.WrongCredentials, a));
        Assert.Equal(knownAnswers, unknownAnswers);
        Assert.NotNull(ownerAnswer);
        Assert.StartsWith("Too many sign-in attempts", ownerAnswer, StringComparison.Ordinal);
        Assert.Equal(ownerAnswer, otherAnswer);
    }

    [Fact]
    public async Task One_address_gets_its_attempts_across_accounts_and_other_addresses_are_not_held_up()
    {
        await using var app = WithThrottle(accountAttempts: 0, addressAttempts: 3);
        var email = NewEmail("victim");
        await factory.CreateUserAsync(email, Password, Roles.Annotator);
        using var attacker = Browser(app, "192.0.2.7");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(SignInService.WrongCredentials, await SignInAsync(attacker, NewEmail("spray"), "Summer2026"));
        }

        var fromAttacker = await SignInAsync(attacker, email, Password);
        using var owner = Browser(app, "198.51.100.20");
        var fromOwner = await SignInAsync(owner, email, Password);

        Assert.NotNull(fromAttacker);
        Assert.StartsWith("Too many sign-in attempts", fromAttacker, StringComparison.Ordinal);
        Assert.Null(fromOwner);
    }

    /// <summary>Two clients behind one proxy at <paramref name="proxy"/>: the first spends its attempts, then the second tries.</summary>
    private static async Task<string?> SecondClientBehindProxyAsync(WebApplicationFactory<Program> app, string proxy)
    {
        using var first = Browser(app, proxy);
        first.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.5");
        using var second = Browser(app, proxy);
        second.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.6");
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(SignInService.WrongCredentials, await SignInAsync(first, NewEmail("spray"), "Summer2026"));
        }
        Assert.StartsWith("Too many sign-in attempts", await SignInAsync(first, NewEmail("spray"), "Summer2026"), StringComparison.Ordinal);
        return await SignInAsync(second, NewEmail("other"), "Winter2026");
    }

    [Fact]
    public async Task Behind_a_configured_proxy_each_forwarded_client_has_its_own_address_budget()
    {
        await using var app = WithThrottle(accountAttempts: 0, addressAttempts: 2,
            settings: new Dictionary<string, string> { ["ForwardedHeaders:KnownProxies"] = "10.0.0.1" });

        Assert.Equal(SignInService.WrongCredentials, await SecondClientBehindProxyAsync(app, "10.0.0.1"));
    }

    [Fact]
    public async Task Behind_a_network_given_as_a_list_each_forwarded_client_has_its_own_address_budget()
    {
        await using var app = WithThrottle(accountAttempts: 0, addressAttempts: 2,
            settings: new Dictionary<string, string> { ["ForwardedHeaders:KnownNetworks:0"] = "10.1.0.0/16" });

        Assert.Equal(SignInService.WrongCredentials, await SecondClientBehindProxyAsync(app, "10.1.2.3"));
    }

    [Theory]
    [InlineData(null, "10.0.0.9")]
    [InlineData(null, "127.0.0.1")]
    [InlineData("10.0.0.1", "10.0.0.9")]
    [InlineData("10.0.0.1", "127.0.0.1")]
    public async Task Forwarded_headers_count_only_from_a_configured_proxy(string? knownProxy, string connectedFrom)
    {
        var settings = knownProxy is null ? null : new Dictionary<string, string> { ["ForwardedHeaders:KnownProxies"] = knownProxy };
        await using var app = WithThrottle(accountAttempts: 0, addressAttempts: 2, settings: settings);

        // Off by default, and a header from any other address (loopback included) is the client's own claim: both
        // clients share the budget of the address they connect from.
        var second = await SecondClientBehindProxyAsync(app, connectedFrom);

        Assert.StartsWith("Too many sign-in attempts", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_known_and_disabled_accounts_each_cost_one_password_hash_verification()
    {
        var hasher = new CountingPasswordHasher();
        await using var app = WithThrottle(accountAttempts: 0, addressAttempts: 0, s => s.AddSingleton<IPasswordHasher<LabelLoopUser>>(hasher));
        var known = NewEmail("known");
        await factory.CreateUserAsync(known, Password, Roles.Annotator);
        var disabled = NewEmail("disabled");
        var disabledId = await factory.CreateUserAsync(disabled, Password, Roles.Annotator);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UserService>().DisableAsync(Caller.System, disabledId);
        }
        using var client = Browser(app, "10.9.9.9");

        var counts = new List<int>();
        var answers = new List<string?>();
        foreach (var (email, password) in new[] { (NewEmail("nobody"), Password), (known, "wrong-password"), (disabled, Password) })
        {
            hasher.Reset();
            answers.Add(await SignInAsync(client, email, password));
            counts.Add(hasher.Verifications);
        }

        Assert.Equal([1, 1, 1], counts);
        Assert.All(answers, a => Assert.Equal(SignInService.WrongCredentials, a));
    }

    /// <summary>Identity's hasher, counting how often it verifies a password.</summary>
    private sealed class CountingPasswordHasher : IPasswordHasher<LabelLoopUser>
    {
        private readonly PasswordHasher<LabelLoopUser> _inner = new();
        private int _verifications;

        public int Verifications => Volatile.Read(ref _verifications);

        public void Reset() => Interlocked.Exchange(ref _verifications, 0);

        public string HashPassword(LabelLoopUser user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(LabelLoopUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref _verifications);
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    /// <summary>Takes the client's address from a test header, so one test server sees several clients.</summary>
    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(ClientHeader, out var address))
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(address.ToString());
                }
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
