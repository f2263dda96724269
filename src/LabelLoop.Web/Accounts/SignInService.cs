using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using LabelLoop.Data.Accounts;
using Microsoft.AspNetCore.Identity;

namespace LabelLoop.Web.Accounts;

/// <summary>The answer to a password sign-in: success, or the message to show.</summary>
public sealed record SignInAttempt(bool Succeeded, string? Error)
{
    public static readonly SignInAttempt Success = new(true, null);
}

/// <summary>
/// Password sign-in for every page that offers it. The answer does not tell whether an account exists: an unknown
/// e-mail, a wrong password and a disabled account get the same message after the same work (one password-hash
/// verification; a dummy hash stands in for a missing account), and the throttle counts attempts per e-mail whether
/// or not an account has it. Failures do not lock the account (<see cref="SignInThrottle"/> does the limiting), and
/// nothing here touches the account's API tokens.
/// </summary>
public sealed class SignInService(
    SignInManager<LabelLoopUser> signIn,
    UserManager<LabelLoopUser> users,
    IPasswordHasher<LabelLoopUser> hasher,
    SignInThrottle throttle)
{
    public const string WrongCredentials = "Wrong e-mail or password.";

    private static readonly LabelLoopUser NoOne = new();
    private static string? s_dummyHash;

    /// <summary>Checks <paramref name="password"/> and, when it is right, signs the browser in with the cookie.</summary>
    /// <param name="address">The client's address, for the per-address throttle.</param>
    public async Task<SignInAttempt> PasswordSignInAsync(string email, string password, IPAddress? address)
    {
        ArgumentNullException.ThrowIfNull(email);
        ArgumentNullException.ThrowIfNull(password);
        if (throttle.TryAcquire(email, address) is { } wait)
        {
            var minutes = Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes));
            return new SignInAttempt(false, string.Create(CultureInfo.InvariantCulture,
                $"Too many sign-in attempts: try again in {minutes} minute{(minutes == 1 ? "" : "s")}."));
        }
        var user = await users.FindByEmailAsync(email.Trim());
        if (user?.PasswordHash is null)
        {
            // The same PBKDF2 work as a real check: 55 ms against 4 ms told which e-mails have an account.
            hasher.VerifyHashedPassword(NoOne, DummyHash(), password);
            return new SignInAttempt(false, WrongCredentials);
        }
        if (!await users.CheckPasswordAsync(user, password)
            || user.IsDisabled
            || await users.IsLockedOutAsync(user)
            || !await signIn.CanSignInAsync(user))
        {
            return new SignInAttempt(false, WrongCredentials);
        }
        await signIn.SignInAsync(user, isPersistent: true);
        return SignInAttempt.Success;
    }

    private string DummyHash() =>
        s_dummyHash ??= hasher.HashPassword(NoOne, Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));
}
