using System.CommandLine;
using LabelLoop.Core;

namespace LabelLoop.Cli;

/// <summary>
/// The input policy of the web API (<see cref="TextInput"/>) for the command line: an option or argument holding a NUL
/// character (possible through a response file, <c>labelloop @args.rsp</c>) is a parse error naming it, exit code 1,
/// before any command touches the database.
/// </summary>
public static class InputPolicy
{
    /// <summary>Adds the check to every option and argument of <paramref name="root"/> and its subcommands.</summary>
    public static void Apply(Command root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var seen = new HashSet<Symbol>();
        var commands = new Stack<Command>([root]);
        while (commands.TryPop(out var command))
        {
            foreach (var option in command.Options.Where(seen.Add))
            {
                option.Validators.Add(result =>
                {
                    if (result.Tokens.Any(t => TextInput.HasNul(t.Value)))
                    {
                        result.AddError($"{option.Name}: {TextInput.NulMessage}");
                    }
                });
            }
            foreach (var argument in command.Arguments.Where(seen.Add))
            {
                argument.Validators.Add(result =>
                {
                    if (result.Tokens.Any(t => TextInput.HasNul(t.Value)))
                    {
                        result.AddError($"{argument.Name}: {TextInput.NulMessage}");
                    }
                });
            }
            foreach (var subcommand in command.Subcommands)
            {
                commands.Push(subcommand);
            }
        }
    }
}
