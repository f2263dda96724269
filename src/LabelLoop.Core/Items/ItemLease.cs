namespace LabelLoop.Core.Items;

/// <summary>
/// A reservation of one item for one annotator until <see cref="ExpiresUtc"/>. While a lease is live, the item
/// is not served to more annotators than the project's overlap allows. An expired lease is simply ignored.
/// </summary>
public sealed class ItemLease
{
    public long Id { get; set; }

    public int ProjectId { get; set; }

    public long ItemId { get; set; }

    public required string UserId { get; set; }

    public DateTime LeasedUtc { get; set; }

    public DateTime ExpiresUtc { get; set; }

    /// <summary>The prediction shown as the suggestion, if the item came from a model's ranking.</summary>
    public long? PredictionId { get; set; }
}
