using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace LabelLoop.Web.Accounts;

/// <summary>
/// The signed-in user of an interactive circuit. The cookie is checked on every request (<see cref="SessionStampValidator"/>),
/// but a circuit is one long connection: this re-checks the same thing every minute, so a disabled account, a password
/// reset, a role change or a log-out elsewhere ends the circuit's access within a minute (the page then shows the
/// login link and every service call made for it is refused).
/// </summary>
public sealed class RevalidatingCircuitAuthenticationStateProvider(ILoggerFactory loggerFactory, IServiceScopeFactory scopes)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        if (authenticationState.User.Identity?.IsAuthenticated != true)
        {
            return true;
        }
        await using var scope = scopes.CreateAsyncScope();
        return await SessionStampValidator.IsCurrentAsync(scope.ServiceProvider, authenticationState.User, cancellationToken);
    }
}
