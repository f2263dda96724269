namespace LabelLoop.Core.Projects;

/// <summary>A labeling project: one pool of items, one label set, one active-learning loop.</summary>
/// <remarks>
/// Counters (<see cref="ItemCount"/>, <see cref="LabeledCount"/>) change only inside the service methods
/// that cause them, in the same <c>SaveChanges</c>.
/// </remarks>
public sealed class Project
{
    public const int MaxNameLength = 100;

    public int Id { get; set; }

    /// <summary>Unique, human-readable name; the CLI addresses projects by it.</summary>
    public required string Name { get; set; }

    public ProjectKind Kind { get; set; }

    /// <summary>Guidelines shown to annotators beside every item (plain text, encoded on output).</summary>
    public string Instructions { get; set; } = "";

    /// <summary>How many distinct annotators label each item (1 = no overlap).</summary>
    public int Overlap { get; set; } = 1;

    /// <summary>
    /// Whether the classes are mirror-invariant, so horizontal flips are a valid augmentation. Off unless the project
    /// says so: a mirror image changes the class of digits, letters and many diagrams.
    /// </summary>
    public bool AllowHorizontalFlip { get; set; }

    /// <summary>How long a served item stays reserved for its annotator.</summary>
    public int LeaseMinutes { get; set; } = 10;

    /// <summary>The loop retrains after this many new labels (0 turns the label-count trigger off).</summary>
    public int RetrainEvery { get; set; } = 20;

    /// <summary>The loop also retrains when labels grow by this percentage since the last training (0 = off).</summary>
    public int RetrainGrowthPercent { get; set; }

    /// <summary>The loop also retrains on this schedule when there are new labels (0 = no schedule).</summary>
    public int RetrainIntervalMinutes { get; set; }

    /// <summary>Committee members trained per model version (bootstrap resamples, different seeds).</summary>
    public int CommitteeSize { get; set; } = 5;

    /// <summary>The query strategy that ranks the pool (a name from <c>QueryStrategies</c>).</summary>
    public string Strategy { get; set; } = Strategies.QueryStrategies.ProjectDefault;

    /// <summary>
    /// Until every class has this many labels the pool is ranked by <c>typical</c> (the cold start); 0 = off.
    /// </summary>
    public int ColdStartLabelsPerClass { get; set; } = Strategies.ColdStart.DefaultLabelsPerClass;

    /// <summary>
    /// Share of served items (percent) drawn uniformly from the pool instead of by rank: their labels are the
    /// unbiased audit sample that measures accuracy, and they are held out of training.
    /// </summary>
    public int AuditPercent { get; set; } = DefaultAuditPercent;

    public const int DefaultAuditPercent = 5;

    /// <summary>
    /// Pretrain an encoder on the pool (self-supervised) and start every model from it: image projects, and text
    /// projects on <see cref="TextModel.Neural"/> (the linear text model reads no encoder, so none is pretrained for it).
    /// </summary>
    public bool PretrainEnabled { get; set; } = true;

    /// <summary>
    /// Whether the models of a project of <paramref name="kind"/> start from a pretrained encoder: images do, and text
    /// on <see cref="TextModel.Neural"/>; the linear text model reads hashed words. The one rule behind the pretraining
    /// trigger, the dashboard's encoder panel and the settings caption.
    /// </summary>
    public static bool ModelsReadAnEncoder(ProjectKind kind, TextModel textModel) => kind != ProjectKind.Text || textModel == TextModel.Neural;

    /// <summary>Text projects: the model each committee member is (the linear model unless the project picks the neural one).</summary>
    public TextModel TextModel { get; set; } = TextModel.Linear;

    /// <summary>Optimizer steps each image or neural text member trains per round; 0 picks them from the label count.</summary>
    public int TrainingSteps { get; set; }

    /// <summary>Each round's served model continues from the previous version's (a fraction of the steps) instead of starting over.</summary>
    public bool WarmStart { get; set; } = true;

    /// <summary>How training uses the pretrained encoder: start from it and fine-tune the whole model, or freeze it and train the head only.</summary>
    public FineTuneMode FineTuneMode { get; set; } = FineTuneMode.FineTune;

    /// <summary>
    /// Image projects: whether models see one grey channel or three colour channels. Null until decided from the
    /// images, at the first import or, for older projects, at the first training or pretraining.
    /// </summary>
    public ImageColour? ImageColour { get; set; }

    /// <summary>Items with content when the loop last enqueued a pretraining.</summary>
    public int PretrainItemCount { get; set; }

    /// <summary>Items picked per selection batch: diverse batching covers one batch at a time.</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>Labels annotators may give in all (skips and review decisions not counted); null for no budget.</summary>
    public int? LabelBudget { get; set; }

    /// <summary>Labels the project had when the loop last enqueued a training.</summary>
    public int LoopLabelCount { get; set; }

    /// <summary>When the loop last enqueued a training.</summary>
    public DateTime? LoopEnqueuedUtc { get; set; }

    public int ItemCount { get; set; }

    public int LabeledCount { get; set; }

    public DateTime CreatedUtc { get; set; }

    public DateTime UpdatedUtc { get; set; }

    public List<LabelClass> Labels { get; set; } = [];

    public List<ProjectMember> Members { get; set; } = [];
}
