using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;

namespace LabelLoop.Web.Components.Pages.Dashboard;

/// <summary>
/// The settings form's fields, bound both ways. Numbers are nullable so an emptied field is sent as it is and the
/// service names it; an empty label budget means none.
/// </summary>
public sealed class LoopSettingsForm
{
    public string Strategy { get; set; } = "";

    public int? BatchSize { get; set; }

    public int? RetrainEvery { get; set; }

    public int? RetrainGrowthPercent { get; set; }

    public int? RetrainIntervalMinutes { get; set; }

    public int? CommitteeSize { get; set; }

    public int? AuditPercent { get; set; }

    public int? ColdStartLabelsPerClass { get; set; }

    public bool PretrainEnabled { get; set; }

    public FineTuneMode FineTune { get; set; }

    public ImageColour? ImageColour { get; set; }

    public bool AllowHorizontalFlip { get; set; }

    public TextModel TextModel { get; set; }

    public int? TrainingSteps { get; set; }

    public bool WarmStart { get; set; }

    public int? LeaseMinutes { get; set; }

    public int? Overlap { get; set; }

    public int? LabelBudget { get; set; }

    public static LoopSettingsForm From(LoopSettings s) => new()
    {
        Strategy = s.Strategy,
        BatchSize = s.BatchSize,
        RetrainEvery = s.RetrainEvery,
        RetrainGrowthPercent = s.RetrainGrowthPercent,
        RetrainIntervalMinutes = s.RetrainIntervalMinutes,
        CommitteeSize = s.CommitteeSize,
        AuditPercent = s.AuditPercent,
        ColdStartLabelsPerClass = s.ColdStartLabelsPerClass,
        PretrainEnabled = s.PretrainEnabled ?? true,
        FineTune = s.FineTune ?? FineTuneMode.FineTune,
        ImageColour = s.ImageColour,
        AllowHorizontalFlip = s.AllowHorizontalFlip ?? false,
        TextModel = s.TextModel ?? TextModel.Linear,
        TrainingSteps = s.TrainingSteps,
        WarmStart = s.WarmStart != false,
        LeaseMinutes = s.LeaseMinutes,
        Overlap = s.Overlap,
        LabelBudget = s.LabelBudget,
    };

    /// <summary>
    /// The settings to store. A required number left empty becomes -1, out of every range, so the service reports
    /// it by field; the image fields go only with an image project's form, the text model only with a text one.
    /// </summary>
    public LoopSettings ToSettings(bool isImageProject) => new(
        RetrainEvery ?? -1, RetrainGrowthPercent ?? -1, RetrainIntervalMinutes ?? -1, CommitteeSize ?? -1, Strategy,
        BatchSize: BatchSize ?? -1,
        LeaseMinutes: LeaseMinutes ?? -1,
        Overlap: Overlap ?? -1,
        LabelBudget: LabelBudget ?? 0,
        AuditPercent: AuditPercent ?? -1,
        ColdStartLabelsPerClass: ColdStartLabelsPerClass ?? -1,
        PretrainEnabled: PretrainEnabled,
        FineTune: FineTune,
        ImageColour: isImageProject ? ImageColour : null,
        AllowHorizontalFlip: isImageProject ? AllowHorizontalFlip : null,
        TextModel: isImageProject ? null : TextModel,
        TrainingSteps: TrainingSteps ?? -1,
        WarmStart: WarmStart);
}
