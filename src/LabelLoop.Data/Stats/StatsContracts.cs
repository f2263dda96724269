using System.Text.Json.Serialization;
using LabelLoop.Core.Metrics;
using LabelLoop.Core.Strategies;

namespace LabelLoop.Data.Stats;

/// <summary>A project's name and counters, for page headers.</summary>
public sealed record ProjectHeader(int Id, string Name, int Items, int Labeled, LabelLoop.Core.Projects.ProjectKind Kind = LabelLoop.Core.Projects.ProjectKind.Image);

/// <summary>Items by where they are in the flow; <see cref="Leased"/> items are open items reserved for an annotator right now.</summary>
public sealed record StateCounts(long Items, long Unlabeled, long Leased, long Labeled, long Skipped, long InReview);

/// <summary>Labeled items per final label, in label-set order.</summary>
public sealed record LabelCount(string Label, string Color, long Items);

/// <summary>A count on one UTC day.</summary>
public sealed record DayCount(DateOnly Day, long Count);

/// <summary>
/// The project's label budget: labels annotators gave (skips and review decisions not counted) against the
/// budget; <see cref="Budget"/> and <see cref="Remaining"/> are null when the project has none.
/// </summary>
public sealed record BudgetStatus(int? Budget, long Used, long? Remaining);

/// <summary>The dashboard's overview: items by state, label distribution, labels per day, budget.</summary>
public sealed record ProjectOverview(
    int ProjectId,
    string Name,
    StateCounts States,
    IReadOnlyList<LabelCount> LabelDistribution,
    IReadOnlyList<DayCount> LabelsPerDay,
    BudgetStatus Budget,
    long Annotations,
    DateTime AsOfUtc);

/// <summary>One model version on the learning curve. Fields the version's metrics lack are null.</summary>
public sealed record CurvePoint(int Version, int Labels, double? AuditAccuracy, int? AuditItems, double? StopSetAgreement, string Strategy, bool IsActive, DateTime CreatedUtc);

/// <summary>The confusion matrix on the audit set: rows are the true class, columns the predicted one, in label order.</summary>
public sealed record ConfusionTable(IReadOnlyList<string> Labels, IReadOnlyList<IReadOnlyList<int>> Counts);

/// <summary>The version annotators are served from, with its audit scores (null where the version did not record them).</summary>
public sealed record CurrentModel(
    int Version,
    int Labels,
    string Strategy,
    double? AuditAccuracy,
    int? AuditItems,
    DateTime CreatedUtc,
    IReadOnlyList<ClassMetrics> Classes,
    ConfusionTable? Confusion);

/// <summary>An open item near the top of the active ranking.</summary>
public sealed record UncertainItem(long ItemId, int Rank, double Score, string PredictedLabel, float Confidence, string? TextPreview);

/// <summary>The model panel: learning curve, current version, stopping signal and the most useful items to label.</summary>
/// <param name="Encoder">The active pretrained encoder that models start from, and its quality; null when there is none in use.</param>
/// <param name="NoEncoder">Why <paramref name="Encoder"/> is null (<see cref="EncoderAbsence.None"/> when it is not).</param>
public sealed record ModelOverview(
    IReadOnlyList<CurvePoint> Curve,
    CurrentModel? Current,
    StoppingDecision Stopping,
    EncoderQuality? Encoder,
    EncoderAbsence NoEncoder,
    IReadOnlyList<UncertainItem> MostUncertain);

/// <summary>
/// The active encoder: what it was pretrained on and how well its embeddings separate the classes (k-NN and a linear
/// probe on <paramref name="QualityItems"/> items labeled by <paramref name="QualitySource"/>: "labels" or, before
/// there are enough of them, "ground truth" from the import). Fields the encoder's metrics lack are null.
/// <paramref name="ColdStartOpen"/> is, while no model ranks the pool, how many items of the encoder's cold-start
/// order (its most typical items, served first) are still open; null once a model ranks it.
/// </summary>
public sealed record EncoderQuality(
    int Version,
    int PretrainedItems,
    int? Epochs,
    double? KnnAccuracy,
    double? LinearProbeAccuracy,
    int? QualityItems,
    string? QualitySource,
    DateTime CreatedUtc,
    int? ColdStartOpen = null);

/// <summary>Why a project's models start from no pretrained encoder.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EncoderAbsence>))]
public enum EncoderAbsence
{
    /// <summary>There is one (<see cref="ModelOverview.Encoder"/>).</summary>
    None,

    /// <summary>The project's settings turn pretraining off: models train from scratch.</summary>
    PretrainingOff,

    /// <summary>A text project on the linear model, which reads hashed words and never an encoder.</summary>
    LinearTextModel,

    /// <summary>None pretrained yet: the loop pretrains once the pool is large enough.</summary>
    NotYetPretrained,
}

/// <summary>
/// One annotator's work on the project. Agreement with the review is over items a reviewer decided; agreement
/// with the model is over labels given while the model's suggestion was shown.
/// </summary>
public sealed record AnnotatorRow(
    string UserId,
    string Email,
    long Labels,
    long Skips,
    double? MedianSeconds,
    long ReviewedItems,
    double? ReviewAgreement,
    long SuggestedItems,
    double? ModelAgreement,
    DateTime? LastActiveUtc);

/// <summary>One annotator's labels and skips per day.</summary>
public sealed record AnnotatorActivity(string Email, IReadOnlyList<long> PerDay);

/// <summary>The annotators panel: one row per person and the daily activity over <see cref="Days"/>.</summary>
public sealed record AnnotatorStats(IReadOnlyList<AnnotatorRow> Annotators, IReadOnlyList<DateOnly> Days, IReadOnlyList<AnnotatorActivity> Activity);

/// <summary>Two annotators on the items both labeled: raw agreement and Cohen's kappa.</summary>
public sealed record PairAgreement(string First, string Second, long Items, double RawAgreement, double? Kappa);

/// <summary>Agreement among annotators on overlapped items (labeled by at least two).</summary>
public sealed record AgreementStats(long OverlappedItems, double? FleissKappa, double? KrippendorffAlpha, IReadOnlyList<PairAgreement> Pairs);

/// <summary>What <c>GET /api/v1/projects/{id}/stats</c> returns.</summary>
public sealed record ProjectStats(ProjectOverview Overview, ModelOverview Model);
