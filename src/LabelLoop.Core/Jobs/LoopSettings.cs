using LabelLoop.Core.Projects;

namespace LabelLoop.Core.Jobs;

/// <summary>A project's learning-loop settings: when to retrain, how to rank, how items are served.</summary>
/// <remarks>
/// The first five are always given. The rest are null on input when they should stay as they are (GET always
/// fills them), so clients written before they existed keep working; <see cref="LabelBudget"/> reads null for
/// "no budget" and is cleared by sending 0.
/// </remarks>
/// <param name="RetrainEvery">Retrain after this many new labels; 0 turns the count trigger off.</param>
/// <param name="RetrainGrowthPercent">Also retrain when labels grow by this percentage; 0 = off.</param>
/// <param name="RetrainIntervalMinutes">Also retrain on this schedule when there are new labels; 0 = off.</param>
/// <param name="CommitteeSize">Committee members per model version (1-20).</param>
/// <param name="Strategy">Query strategy name (see <c>QueryStrategies.Supported</c>).</param>
/// <param name="BatchSize">Items picked per selection batch (diverse batching covers one batch at a time).</param>
/// <param name="LeaseMinutes">How long a served item stays reserved for its annotator.</param>
/// <param name="Overlap">Distinct annotators per item.</param>
/// <param name="LabelBudget">Labels annotators may give in all; null reads as no budget.</param>
/// <param name="AuditPercent">Share of served items drawn uniformly at random as the audit sample (0-50).</param>
/// <param name="ColdStartLabelsPerClass">Rank by <c>typical</c> until every class has this many labels; 0 = off.</param>
/// <param name="PretrainEnabled">Pretrain an encoder on the pool and start every model from it (image projects, and text projects on the neural text model).</param>
/// <param name="FineTune">How training uses the pretrained encoder: fine-tune it, or freeze it.</param>
/// <param name="ImageColour">Image projects: models see grey (one channel) or colour (three). GET reads null for text
/// projects and for image projects that have not decided yet (decided from the images at import or first training).</param>
/// <param name="AllowHorizontalFlip">Image projects: the classes are mirror-invariant, so training may flip images left-right
/// (off by default: a mirror image changes the class of digits, letters and many diagrams). GET reads null for text projects.</param>
/// <param name="TextModel">Text projects: the linear model (hashed tf-idf of words, word pairs and character n-grams, logistic regression; the default)
/// or the neural encoder. GET reads null for image projects.</param>
/// <param name="TrainingSteps">Optimizer steps each image or neural text member trains per round; 0 = automatic (grows
/// with the label count, see <see cref="TrainingSchedule"/>).</param>
/// <param name="WarmStart">Image and neural text models: each round continues from the previous model version for a fraction
/// of the steps (<see cref="TrainingSchedule.WarmStepsFor"/>) instead of training from scratch; on by default.</param>
public sealed record LoopSettings(
    int RetrainEvery,
    int RetrainGrowthPercent,
    int RetrainIntervalMinutes,
    int CommitteeSize,
    string Strategy,
    int? BatchSize = null,
    int? LeaseMinutes = null,
    int? Overlap = null,
    int? LabelBudget = null,
    int? AuditPercent = null,
    int? ColdStartLabelsPerClass = null,
    bool? PretrainEnabled = null,
    [property: System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<FineTuneMode>))]
    FineTuneMode? FineTune = null,
    [property: System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ImageColour>))]
    ImageColour? ImageColour = null,
    bool? AllowHorizontalFlip = null,
    [property: System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<TextModel>))]
    TextModel? TextModel = null,
    int? TrainingSteps = null,
    bool? WarmStart = null)
{
    public const int MaxBatchSize = 10_000;

    public const int MaxLabelBudget = 100_000_000;

    /// <summary>The problems with these settings, by field; empty when they are valid.</summary>
    public IReadOnlyDictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (RetrainEvery is < 0 or > 100_000)
        {
            errors["retrainEvery"] = ["Between 0 (off) and 100000."];
        }
        if (RetrainGrowthPercent is < 0 or > 1000)
        {
            errors["retrainGrowthPercent"] = ["Between 0 (off) and 1000."];
        }
        if (RetrainIntervalMinutes is < 0 or > 525_600)
        {
            errors["retrainIntervalMinutes"] = ["Between 0 (off) and 525600 (a year)."];
        }
        if (CommitteeSize is < 1 or > 20)
        {
            errors["committeeSize"] = ["Between 1 and 20."];
        }
        if (!Strategies.QueryStrategies.IsSupported(Strategy))
        {
            errors["strategy"] = [$"One of: {string.Join(", ", Strategies.QueryStrategies.Supported)}."];
        }
        if (BatchSize is < 1 or > MaxBatchSize)
        {
            errors["batchSize"] = [$"Between 1 and {MaxBatchSize}."];
        }
        if (LeaseMinutes is < 1 or > 24 * 60)
        {
            errors["leaseMinutes"] = ["Between 1 minute and 24 hours (1440)."];
        }
        if (Overlap is < 1 or > ProjectRules.MaxOverlap)
        {
            errors["overlap"] = [$"Between 1 and {ProjectRules.MaxOverlap}."];
        }
        if (LabelBudget is < 0 or > MaxLabelBudget)
        {
            errors["labelBudget"] = [$"Between 1 and {MaxLabelBudget}, or 0 for no budget."];
        }
        if (AuditPercent is < 0 or > 50)
        {
            errors["auditPercent"] = ["Between 0 (off) and 50."];
        }
        if (ColdStartLabelsPerClass is < 0 or > 100)
        {
            errors["coldStartLabelsPerClass"] = ["Between 0 (off) and 100."];
        }
        if (FineTune is { } mode && !Enum.IsDefined(mode))
        {
            errors["fineTune"] = [$"One of: {string.Join(", ", Enum.GetNames<FineTuneMode>())}."];
        }
        if (ImageColour is { } colour && !Enum.IsDefined(colour))
        {
            errors["imageColour"] = [$"One of: {string.Join(", ", Enum.GetNames<ImageColour>())}."];
        }
        if (TextModel is { } model && !Enum.IsDefined(model))
        {
            errors["textModel"] = [$"One of: {string.Join(", ", Enum.GetNames<TextModel>())}."];
        }
        if (TrainingSteps is < 0 or > TrainingSchedule.MaxFixedSteps)
        {
            errors["trainingSteps"] = [$"Between 0 (automatic: grows with the labels) and {TrainingSchedule.MaxFixedSteps}."];
        }
        return errors;
    }
}
