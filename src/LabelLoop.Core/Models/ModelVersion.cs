namespace LabelLoop.Core.Models;

/// <summary>One trained model (committee) of a project and the ranking it produced.</summary>
public sealed class ModelVersion
{
    public int Id { get; set; }

    public int ProjectId { get; set; }

    /// <summary>1, 2, 3... within the project.</summary>
    public int Version { get; set; }

    /// <summary>Checkpoint location relative to the data directory.</summary>
    public string ArtifactPath { get; set; } = "";

    /// <summary>The query strategy that ranked the pool with this version.</summary>
    public string Strategy { get; set; } = "";

    /// <summary>Number of labels the version was trained on.</summary>
    public int LabelCount { get; set; }

    /// <summary>JSON: audit accuracy, per-class precision/recall, training loss...</summary>
    public string MetricsJson { get; set; } = "{}";

    /// <summary>The version whose ranking annotators are served from; one per project.</summary>
    public bool IsActive { get; set; }

    public DateTime CreatedUtc { get; set; }
}
