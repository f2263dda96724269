namespace LabelLoop.Core.Predictions;

/// <summary>A model version's output for one item: class probabilities and the selection score.</summary>
public sealed class Prediction
{
    public long Id { get; set; }

    public long ItemId { get; set; }

    public int ModelVersionId { get; set; }

    /// <summary>The arg-max label name.</summary>
    public required string Label { get; set; }

    /// <summary>Class probabilities in label-set order (averaged over the committee).</summary>
    public float[] Probabilities { get; set; } = [];

    /// <summary>The strategy's selection score (higher = more useful to label).</summary>
    public double Score { get; set; }

    /// <summary>1-based position in the version's ranking; null for items not ranked.</summary>
    public int? Rank { get; set; }

    /// <summary>JSON explaining the choice: strategy, top classes, committee votes.</summary>
    public string ReasonJson { get; set; } = "{}";
}
