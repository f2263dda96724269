namespace LabelLoop.Cli;

/// <summary>Process exit codes, documented in <c>labelloop --help</c> and the README.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The input was refused (validation errors, an import with problems); nothing was changed.</summary>
    public const int InvalidInput = 1;

    /// <summary>A named project, user or file does not exist.</summary>
    public const int NotFound = 2;

    /// <summary>The database or data directory could not be used.</summary>
    public const int Environment = 3;
}
