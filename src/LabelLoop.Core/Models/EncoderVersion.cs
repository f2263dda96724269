namespace LabelLoop.Core.Models;

/// <summary>
/// An encoder pretrained on a project's pool (self-supervised), the embeddings of every item it saw, and how
/// well those embeddings separate the known labels. Every model of the project starts from the active one.
/// </summary>
public sealed class EncoderVersion
{
    public int Id { get; set; }

    public int ProjectId { get; set; }

    /// <summary>1, 2, 3... within the project.</summary>
    public int Version { get; set; }

    /// <summary>The folder (relative to the data directory) holding the checkpoint, tokenizer and embeddings.</summary>
    public string ArtifactPath { get; set; } = "";

    /// <summary>Items the encoder was pretrained on.</summary>
    public int ItemCount { get; set; }

    /// <summary>JSON: epochs, loss, items per second, k-NN and linear-probe accuracy.</summary>
    public string MetricsJson { get; set; } = "{}";

    /// <summary>The encoder models start from; one per project.</summary>
    public bool IsActive { get; set; }

    /// <summary>The job run that made it.</summary>
    public long? JobRunId { get; set; }

    public DateTime CreatedUtc { get; set; }
}
