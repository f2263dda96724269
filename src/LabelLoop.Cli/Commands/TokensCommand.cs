using System.CommandLine;
using LabelLoop.Core.Accounts;
using LabelLoop.Data.Accounts;
using Microsoft.Extensions.DependencyInjection;

namespace LabelLoop.Cli.Commands;

/// <summary><c>labelloop tokens create</c>: a personal access token for scripts, printed alone on the last line.</summary>
public static class TokensCommand
{
    public static Command Create()
    {
        var email = new Option<string>("--email") { Description = "The account the token acts for", Required = true };
        var scopes = new Option<string>("--scopes")
        {
            Description = $"Comma-separated scopes, each granting the ones before it: {string.Join(", ", ApiScopes.All)}",
            Required = true,
        };
        var expires = new Option<int?>("--expires-days") { Description = "Days until the token expires (default: never)" };
        var name = new Option<string>("--name") { Description = "A name to recognise the token by", DefaultValueFactory = _ => "cli" };
        var create = new Command("create", "Create a personal access token; the token is printed once, on the last line") { email, scopes, expires, name };
        create.SetAction((parse, cancellationToken) => CliHost.RunAsync(parse, async services =>
        {
            var tokens = services.GetRequiredService<ApiTokenService>();
            var created = await tokens.CreateForEmailAsync(parse.GetValue(email)!, parse.GetValue(name)!,
                ApiScopes.Parse(parse.GetValue(scopes)), parse.GetValue(expires), cancellationToken);
            var expiry = created.Token.ExpiresUtc is { } at ? $", expires {at:yyyy-MM-dd HH:mm}Z" : "";
            Console.WriteLine($"Created token {created.Token.Prefix}… for {created.Token.UserEmail} with scopes {string.Join(",", created.Token.Scopes)}{expiry}. Store it now; it is not shown again.");
            Console.WriteLine(created.Secret);
            return ExitCodes.Ok;
        }, cancellationToken));
        return new Command("tokens", "Manage personal access tokens for the REST API") { create };
    }
}
