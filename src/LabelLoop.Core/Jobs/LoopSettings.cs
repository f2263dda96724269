namespace LabelLoop.Core.Jobs;

/// <summary>A project's learning-loop settings: when to retrain and how to rank.</summary>
/// <param name="RetrainEvery">Retrain after this many new labels; 0 turns the count trigger off.</param>
/// <param name="RetrainGrowthPercent">Also retrain when labels grow by this percentage; 0 = off.</param>
/// <param name="RetrainIntervalMinutes">Also retrain on this schedule when there are new labels; 0 = off.</param>
/// <param name="CommitteeSize">Committee members per model version (1-20).</param>
/// <param name="Strategy">Query strategy name (see <c>QueryStrategies.Supported</c>).</param>
public sealed record LoopSettings(int RetrainEvery, int RetrainGrowthPercent, int RetrainIntervalMinutes, int CommitteeSize, string Strategy)
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
        return errors;
    }
}
