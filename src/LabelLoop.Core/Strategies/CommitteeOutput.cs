namespace LabelLoop.Core.Strategies;

/// <summary>
/// Class probabilities a committee gave a pool: members x items x classes, row-major. A committee of one is a
/// single model.
/// </summary>
/// <remarks>Rows are used as given: they are not renormalised, and a row holding NaN scores NaN.</remarks>
public sealed class CommitteeOutput
{
    private readonly float[] _probabilities;

    /// <param name="firstVoter">The first member whose vote <c>qbc-vote</c> counts (see <see cref="FirstVoter"/>); 0 counts every member.</param>
    public CommitteeOutput(int members, int items, int classes, float[] probabilities, int firstVoter = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(members, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(firstVoter);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(firstVoter, members);
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentNullException.ThrowIfNull(probabilities);
        if (probabilities.Length != (long)members * items * classes)
        {
            throw new ArgumentException($"Expected {members} x {items} x {classes} probabilities, got {probabilities.Length}.", nameof(probabilities));
        }
        Members = members;
        FirstVoter = firstVoter;
        Items = items;
        Classes = classes;
        _probabilities = probabilities;
    }

    public int Members { get; }

    /// <summary>
    /// The first member whose vote the vote entropy counts. A committee whose first member is of another kind than the
    /// rest (a network beside heads fitted on its embeddings) leaves it out: where that member differs from the others,
    /// the split shows how the two kinds of model differ, not which items the labels leave open. The mean, the other
    /// scores and the votes an item's explanation shows still read every member.
    /// </summary>
    public int FirstVoter { get; }

    /// <summary>The members whose votes the vote entropy counts.</summary>
    public int Voters => Members - FirstVoter;

    public int Items { get; }

    public int Classes { get; }

    /// <summary>One member's probabilities for one item.</summary>
    public ReadOnlySpan<float> Row(int member, int item) =>
        _probabilities.AsSpan(((member * Items) + item) * Classes, Classes);

    /// <summary>The committee's mean probabilities (the consensus), items x classes.</summary>
    public float[] Mean()
    {
        var mean = new float[Items * Classes];
        for (var m = 0; m < Members; m++)
        {
            var member = _probabilities.AsSpan(m * Items * Classes, Items * Classes);
            for (var i = 0; i < mean.Length; i++)
            {
                mean[i] += member[i];
            }
        }
        if (Members > 1)
        {
            for (var i = 0; i < mean.Length; i++)
            {
                mean[i] /= Members;
            }
        }
        return mean;
    }

    /// <summary>How many members voted for each class (their arg-max) on one item.</summary>
    public int[] Votes(int item) => Votes(item, 0);

    /// <summary>The same, counting the <see cref="Voters"/> only.</summary>
    public int[] VoterVotes(int item) => Votes(item, FirstVoter);

    private int[] Votes(int item, int firstMember)
    {
        var votes = new int[Classes];
        for (var m = firstMember; m < Members; m++)
        {
            var best = ArgMax(Row(m, item));
            if (best >= 0)
            {
                votes[best]++;
            }
        }
        return votes;
    }

    /// <summary>Index of the largest finite value (the first on ties), or -1 when there is none.</summary>
    public static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = -1;
        for (var c = 0; c < row.Length; c++)
        {
            if (float.IsFinite(row[c]) && (best < 0 || row[c] > row[best]))
            {
                best = c;
            }
        }
        return best;
    }
}
