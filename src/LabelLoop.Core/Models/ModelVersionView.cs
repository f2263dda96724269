using System.Text.Json;

namespace LabelLoop.Core.Models;

/// <summary>A model version as the API shows it.</summary>
/// <param name="Version">1, 2, 3... within the project.</param>
/// <param name="IsActive">Whether annotators are served from this version's ranking.</param>
/// <param name="Metrics">What training measured: audit accuracy, losses, timings (a JSON object).</param>
public sealed record ModelVersionView(
    int Id,
    int ProjectId,
    int Version,
    string Strategy,
    int LabelCount,
    bool IsActive,
    DateTime CreatedUtc,
    JsonElement Metrics);
