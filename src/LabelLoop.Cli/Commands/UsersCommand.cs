using System.CommandLine;
using LabelLoop.Core.Accounts;
using LabelLoop.Data.Accounts;
using Microsoft.Extensions.DependencyInjection;

namespace LabelLoop.Cli.Commands;

public static class UsersCommand
{
    public static Command Create()
    {
        var email = new Option<string>("--email") { Description = "E-mail address (the login)", Required = true };
        var password = new Option<string>("--password") { Description = "Password (at least 8 characters, with upper, lower case and a digit)", Required = true };
        var role = new Option<string>("--role") { Description = "admin, annotator or reviewer", DefaultValueFactory = _ => Roles.Annotator };
        role.AcceptOnlyFromAmong([.. Roles.All]);
        var add = new Command("add", "Create an account") { email, password, role };
        add.SetAction((parse, cancellationToken) => CliHost.RunAsync(parse, async services =>
        {
            var users = services.GetRequiredService<UserService>();
            await users.AddAsync(parse.GetValue(email)!, parse.GetValue(password)!, parse.GetValue(role)!);
            Console.WriteLine($"Created {parse.GetValue(role)} {parse.GetValue(email)}");
            return ExitCodes.Ok;
        }, cancellationToken));
        return new Command("users", "Manage accounts") { add };
    }
}
