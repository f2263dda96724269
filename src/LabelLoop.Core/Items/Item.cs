namespace LabelLoop.Core.Items;

/// <summary>One unit of work in a project's pool: an image (by blob hash) or a text.</summary>
/// <remarks>
/// <see cref="GroundTruth"/> comes from the import layout (class sub-folders, a <c>label</c> column) and is
/// never shown to annotators; it feeds simulation and audit only.
/// </remarks>
public sealed class Item
{
    public const int MaxExternalIdLength = 256;

    public long Id { get; set; }

    public int ProjectId { get; set; }

    /// <summary>SHA-256 (hex) of the payload: image bytes or UTF-8 text. Unique within a project.</summary>
    public required string ContentHash { get; set; }

    /// <summary>For image items: the blob store key (equals <see cref="ContentHash"/>).</summary>
    public string? BlobHash { get; set; }

    /// <summary>For image items: the media type detected from the bytes, e.g. <c>image/png</c>.</summary>
    public string? MediaType { get; set; }

    /// <summary>For text items: the text itself.</summary>
    public string? Text { get; set; }

    /// <summary>The caller's id: a relative file path or the JSONL/CSV <c>id</c>.</summary>
    public required string ExternalId { get; set; }

    /// <summary>Free-form JSON object (image size, source file...).</summary>
    public string MetaJson { get; set; } = "{}";

    public ItemStatus Status { get; set; }

    public string? GroundTruth { get; set; }

    /// <summary>The label training and export use: the agreed or reviewed label.</summary>
    public string? FinalLabel { get; set; }

    public int AnnotationCount { get; set; }

    /// <summary>
    /// Served as a uniform random audit pick rather than by rank: once labeled, the item measures accuracy and is
    /// held out of training.
    /// </summary>
    public bool IsAudit { get; set; }

    /// <summary>
    /// Position (1-based) in the project's cold-start order: the pool's most typical items by the pretrained encoder,
    /// which annotators are served first while the project has no model; null for every other item. Written when
    /// an encoder is published to a project without a model.
    /// </summary>
    public int? ColdStartRank { get; set; }

    public DateTime CreatedUtc { get; set; }
}
