using System.Globalization;
using System.Text.Json.Serialization;

namespace LabelLoop.Core.Metrics;

/// <summary>
/// The loop's "enough labels" signal (DESIGN.md §4, step 7): predictions on the fixed stop set have stopped
/// changing between model versions (agreement at or above <see cref="AgreementThreshold"/> for
/// <see cref="Rounds"/> versions in a row) and the audit curve is flat (accuracy gained over those versions at
/// most <see cref="FlatTolerance"/>).
/// </summary>
public static class StoppingSignal
{
    public const double AgreementThreshold = 0.99;

    public const int Rounds = 3;

    /// <summary>Accuracy gain (as a fraction) over the last <see cref="Rounds"/> versions that still counts as flat.</summary>
    public const double FlatTolerance = 0.01;

    /// <summary>Evaluates model versions given oldest first.</summary>
    public static StopAssessment Evaluate(IReadOnlyList<VersionSignal> versions)
    {
        ArgumentNullException.ThrowIfNull(versions);
        var recent = versions.TakeLast(Rounds).ToList();
        if (recent.Count < Rounds || recent.Any(v => v.StopSetAgreement is null))
        {
            var reported = versions.Count(v => v.StopSetAgreement is not null);
            return new StopAssessment(StopState.NotEnoughData, null, null,
                $"Needs {Rounds} consecutive model versions that report stop-set agreement; {reported} of {versions.Count} do.");
        }
        var lowest = recent.Min(v => v.StopSetAgreement!.Value);
        double? gain = null;
        if (versions.Count > Rounds && versions[^1].AuditAccuracy is { } last && versions[^(Rounds + 1)].AuditAccuracy is { } before)
        {
            gain = last - before;
        }
        var stable = lowest >= AgreementThreshold;
        var flat = gain is { } g && g <= FlatTolerance;
        if (stable && flat)
        {
            return new StopAssessment(StopState.Stop, lowest, gain,
                string.Create(CultureInfo.InvariantCulture, $"Predictions on the stop set agree at least {lowest:P1} across the last {Rounds} versions and audit accuracy gained {gain:P1}: more labels are unlikely to pay."));
        }
        var reason = !stable
            ? string.Create(CultureInfo.InvariantCulture, $"Predictions still change: stop-set agreement fell to {lowest:P1} in the last {Rounds} versions (stop at {AgreementThreshold:P0}).")
            : gain is null
                ? "Predictions are stable, but the audit curve has too few points to tell whether it is flat."
                : string.Create(CultureInfo.InvariantCulture, $"Predictions are stable, but audit accuracy still rose {gain:P1} over the last {Rounds} versions.");
        return new StopAssessment(StopState.KeepGoing, lowest, gain, reason);
    }
}

/// <summary>What one model version reports for the stopping signal.</summary>
public sealed record VersionSignal(int Labels, double? AuditAccuracy, double? StopSetAgreement);

/// <summary>The signal's verdict and the numbers behind it.</summary>
public sealed record StopAssessment(StopState State, double? LowestAgreement, double? AccuracyGain, string Explanation);

/// <summary>Whether the loop should go on.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StopState>))]
public enum StopState
{
    /// <summary>Too few model versions report what the signal needs.</summary>
    NotEnoughData,

    KeepGoing,

    Stop,
}
