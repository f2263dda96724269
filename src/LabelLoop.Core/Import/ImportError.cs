namespace LabelLoop.Core.Import;

/// <summary>One problem found in the input, named by file (and line, for text files).</summary>
public sealed record ImportError(string Source, string Message)
{
    public override string ToString() => $"{Source}: {Message}";
}
