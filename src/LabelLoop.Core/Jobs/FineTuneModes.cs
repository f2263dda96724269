namespace LabelLoop.Core.Jobs;

/// <summary>How training uses a pretrained encoder (stored per project; pretraining itself arrives with its own issue).</summary>
public static class FineTuneModes
{
    /// <summary>Every layer trains, starting from the pretrained weights.</summary>
    public const string Full = "full";

    /// <summary>The encoder stays frozen; only the classification head trains (a linear probe).</summary>
    public const string Head = "head";

    public static IReadOnlyList<string> All { get; } = [Full, Head];

    public static bool IsKnown(string? mode) => mode is not null && All.Contains(mode, StringComparer.Ordinal);
}
