namespace LabelLoop.Core.Jobs;

/// <summary>A project's learning-loop settings: when to retrain and how to rank.</summary>
/// <param name="RetrainEvery">Retrain after this many new labels; 0 turns the count trigger off.</param>
/// <param name="RetrainGrowthPercent">Also retrain when labels grow by this percentage; 0 = off.</param>
/// <param name="RetrainIntervalMinutes">Also retrain on this schedule when there are new labels; 0 = off.</param>
/// <param name="CommitteeSize">Committee members per model version (1-20).</param>
/// <param name="Strategy">Query strategy name (see <c>QueryStrategies.Supported</c>).</param>
/// <param name="AuditPercent">Share of served items drawn uniformly at random as the audit sample (0-50).</param>
/// <param name="ColdStartLabelsPerClass">Rank by <c>typical</c> until every class has this many labels; 0 = off.</param>
public sealed record LoopSettings(
    int RetrainEvery,
    int RetrainGrowthPercent,
    int RetrainIntervalMinutes,
    int CommitteeSize,
    string Strategy,
    int AuditPercent = Projects.Project.DefaultAuditPercent,
    int ColdStartLabelsPerClass = Strategies.ColdStart.DefaultLabelsPerClass)
{
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
        if (AuditPercent is < 0 or > 50)
        {
            errors["auditPercent"] = ["Between 0 (off) and 50."];
        }
        if (ColdStartLabelsPerClass is < 0 or > 100)
        {
            errors["coldStartLabelsPerClass"] = ["Between 0 (off) and 100."];
        }
        return errors;
    }
}
