using System.Globalization;
using System.Text.Json.Serialization;

namespace LabelLoop.Core.Strategies;

/// <summary>One model version as the stopping signal reads it.</summary>
/// <param name="StopSetAgreement">Share of the stop set predicted as the previous version did; null for the first version.</param>
/// <param name="AuditAccuracy">Accuracy on the audit sample; null without one.</param>
public sealed record VersionSignal(int Version, double? StopSetAgreement, double? AuditAccuracy);

/// <summary>Whether labeling more is still worth it, and why.</summary>
/// <param name="ShouldStop">True when predictions stopped changing and the audit curve is flat.</param>
/// <param name="StableRounds">Latest versions in a row whose stop-set agreement reached the threshold.</param>
/// <param name="AuditSpread">Max minus min audit accuracy over the latest versions; null without enough audits.</param>
/// <param name="Reason">The verdict in a sentence, with its numbers.</param>
/// <param name="State">The verdict in one word: too few versions report what the signal reads, keep going, or stop.</param>
public sealed record StoppingDecision(bool ShouldStop, int StableRounds, double? AuditSpread, string Reason, StopState State);

/// <summary>The stopping signal's verdict in one word.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StopState>))]
public enum StopState
{
    /// <summary>Fewer versions than the signal needs report stop-set agreement and audit accuracy.</summary>
    NotEnoughData,

    /// <summary>More labels still change the model.</summary>
    KeepGoing,

    /// <summary>Predictions are stable and the audit curve is flat: more labels are unlikely to pay.</summary>
    Stop,
}

/// <summary>
/// The stopping signal (DESIGN.md §4, step 7), the one rule the dashboard and the API show: predictions on a fixed
/// stop set agree with the previous version's above a threshold for several rounds in a row, and the audit
/// accuracy of those rounds lies within a point.
/// </summary>
public static class StoppingSignal
{
    public const double DefaultAgreement = 0.97;
    public const int DefaultRounds = 3;
    public const double DefaultAuditTolerance = 0.01;

    /// <summary>Reads the versions oldest first.</summary>
    public static StoppingDecision Evaluate(
        IReadOnlyList<VersionSignal> versions,
        double agreementThreshold = DefaultAgreement,
        int rounds = DefaultRounds,
        double auditTolerance = DefaultAuditTolerance)
    {
        ArgumentNullException.ThrowIfNull(versions);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var stable = 0;
        for (var i = versions.Count - 1; i >= 0; i--)
        {
            if (versions[i].StopSetAgreement is { } agreement && agreement >= agreementThreshold)
            {
                stable++;
            }
            else
            {
                break;
            }
        }
        var latest = versions.Skip(Math.Max(0, versions.Count - rounds)).ToList();
        double? spread = null;
        if (latest.Count == rounds && latest.All(v => v.AuditAccuracy is not null))
        {
            spread = Math.Round(latest.Max(v => v.AuditAccuracy!.Value) - latest.Min(v => v.AuditAccuracy!.Value), 6);
        }
        var flat = spread is { } s && s <= auditTolerance + 1e-9;
        var stop = stable >= rounds && flat;
        string reason;
        if (stop)
        {
            reason = string.Create(CultureInfo.InvariantCulture,
                $"Predictions agreed with the previous version on at least {agreementThreshold:P0} of the stop set for {stable} rounds and the audit accuracy moved {spread:P1}: more labels are unlikely to help much.");
        }
        else if (stable < rounds)
        {
            reason = string.Create(CultureInfo.InvariantCulture,
                $"Predictions are still changing: {stable} of {rounds} rounds in a row reached {agreementThreshold:P0} stop-set agreement.");
        }
        else
        {
            reason = spread is null
                ? "Predictions are stable, but there are not enough audit measurements to tell whether accuracy has flattened."
                : string.Create(CultureInfo.InvariantCulture, $"Predictions are stable, but the audit accuracy still moves {spread:P1} over the last {rounds} rounds.");
        }
        var reporting = latest.Count(v => v.StopSetAgreement is not null);
        var state = stop ? StopState.Stop
            : latest.Count < rounds || reporting < rounds ? StopState.NotEnoughData
            : stable >= rounds && spread is null ? StopState.NotEnoughData
            : StopState.KeepGoing;
        return new StoppingDecision(stop, stable, spread, reason, state);
    }
}
