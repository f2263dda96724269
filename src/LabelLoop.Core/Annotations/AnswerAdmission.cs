using LabelLoop.Core.Items;

namespace LabelLoop.Core.Annotations;

/// <summary>
/// Decides whether an annotator's answer (a label or a skip) may be stored, the rule every submit applies under the
/// item's row lock: the item must still need answers (its overlap), the answer must come from the caller's live lease
/// (or, when that lease has run out and the item's seats are free again, it is taken as a fresh lease), and a label
/// must fit in the project's label budget. It mirrors what <c>ItemLeaseService</c> serves, so an answer to a served
/// item is never refused while its lease is live.
/// </summary>
public static class AnswerAdmission
{
    /// <summary>The caller's lease on the item.</summary>
    public enum Lease
    {
        /// <summary>The item was never served to the caller (or the lease row is gone).</summary>
        None,

        /// <summary>Served to the caller and not yet expired.</summary>
        Live,

        /// <summary>Served to the caller, but the lease has run out.</summary>
        Expired,
    }

    /// <summary>What the check reads, all under the item's row lock.</summary>
    /// <param name="Status">The item's state.</param>
    /// <param name="Labels">Labels (not skips, not review decisions) the item already has.</param>
    /// <param name="Overlap">The project's overlap: labels each item needs.</param>
    /// <param name="CallerLease">The caller's lease on the item.</param>
    /// <param name="OthersLiveLeases">Live leases other annotators hold on the item.</param>
    /// <param name="Skip">The answer is a skip (skips spend no budget).</param>
    /// <param name="Budget">The project's label budget, null for none.</param>
    /// <param name="LabelsGiven">Labels given in the project (read only when there is a budget).</param>
    /// <param name="LiveLeases">Live leases in the project (read only when there is a budget and the caller's lease is not live).</param>
    public readonly record struct Facts(
        ItemStatus Status, int Labels, int Overlap, Lease CallerLease, int OthersLiveLeases, bool Skip,
        int? Budget = null, long LabelsGiven = 0, long LiveLeases = 0);

    /// <summary>Null when the answer may be stored, otherwise why not, in words an annotator or API client can act on.</summary>
    public static string? Refusal(long itemId, Facts facts)
    {
        var seats = Math.Max(1, facts.Overlap);
        if (facts.Status != ItemStatus.Unlabeled || facts.Labels >= seats)
        {
            var state = facts.Status switch
            {
                ItemStatus.Labeled => " (it is labeled)",
                ItemStatus.InReview => " (it is waiting for a reviewer)",
                ItemStatus.Skipped => " (enough annotators skipped it)",
                _ => "",
            };
            return $"Item {itemId} already has the answers it needs{state}.";
        }
        if (facts.CallerLease != Lease.Live)
        {
            // The same test a new lease passes (ItemLeaseService's claim): labels plus other live leases below the overlap.
            if (facts.Labels + facts.OthersLiveLeases >= seats)
            {
                return $"Item {itemId} is leased to another annotator.";
            }
            if (facts.CallerLease == Lease.None)
            {
                return $"Item {itemId} is not leased to you: answer the items the queue serves you (POST .../next).";
            }
        }
        if (!facts.Skip && facts.Budget is { } budget)
        {
            if (facts.LabelsGiven >= budget)
            {
                return $"The project's label budget is spent ({budget} labels).";
            }
            // A fresh lease, as ItemLeaseService grants one: labels given plus live leases stay within the budget.
            if (facts.CallerLease != Lease.Live && facts.LabelsGiven + facts.LiveLeases >= budget)
            {
                return "The rest of the project's label budget is leased to other annotators.";
            }
        }
        return null;
    }
}
