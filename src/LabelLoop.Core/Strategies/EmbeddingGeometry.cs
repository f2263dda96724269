using System.Numerics;

namespace LabelLoop.Core.Strategies;

/// <summary>
/// Distances and clustering on embedding rows (items x dim, row-major), for the diversity strategies. Every
/// routine is linear in the number of items for a fixed number of centres.
/// </summary>
public static class EmbeddingGeometry
{
    /// <summary>Squared Euclidean distance; NaN when either row holds NaN.</summary>
    public static float SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var d = new Vector<float>(a[i..]) - new Vector<float>(b[i..]);
                sum += d * d;
            }
        }
        var total = Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            var d = a[i] - b[i];
            total += d * d;
        }
        return total;
    }

    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                sum += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
            }
        }
        var total = Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }
        return total;
    }

    public static ReadOnlySpan<float> Row(float[] rows, int dim, int index) => rows.AsSpan(index * dim, dim);

    /// <summary>The <paramref name="dim"/>-wide rows <paramref name="indices"/> of <paramref name="rows"/>, in that order.</summary>
    public static float[] Gather(float[] rows, int dim, IReadOnlyList<int> indices)
    {
        var result = new float[(long)indices.Count * dim];
        for (var i = 0; i < indices.Count; i++)
        {
            Row(rows, dim, indices[i]).CopyTo(result.AsSpan(i * dim, dim));
        }
        return result;
    }

    /// <summary>Whether every value of the row is finite.</summary>
    public static bool IsFinite(ReadOnlySpan<float> row)
    {
        foreach (var v in row)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Each row's smallest squared distance to the <paramref name="covered"/> rows (+infinity when there are
    /// none; NaN for a non-finite row). One pass over the rows per covered row.
    /// </summary>
    public static float[] MinSquaredDistances(float[] rows, int dim, int count, float[]? covered)
    {
        var minDistance = new float[count];
        Array.Fill(minDistance, float.PositiveInfinity);
        for (var j = 0; j < count; j++)
        {
            if (!IsFinite(Row(rows, dim, j)))
            {
                minDistance[j] = float.NaN;
            }
        }
        var coveredRows = covered is null || dim == 0 ? 0 : covered.Length / dim;
        for (var c = 0; c < coveredRows; c++)
        {
            var centre = Row(covered!, dim, c);
            if (!IsFinite(centre))
            {
                continue;
            }
            for (var j = 0; j < count; j++)
            {
                if (!float.IsNaN(minDistance[j]))
                {
                    minDistance[j] = Math.Min(minDistance[j], SquaredDistance(Row(rows, dim, j), centre));
                }
            }
        }
        return minDistance;
    }

    /// <summary>
    /// Greedy k-center over all rows: repeatedly takes the row farthest from everything covered so far.
    /// <paramref name="minDistance"/> holds each row's squared distance to what is already covered (see
    /// <see cref="MinSquaredDistances"/>) and is updated in place; rows at NaN are never picked. When nothing is
    /// covered yet (all infinite) the first pick is <paramref name="first"/>. Ties go to the lowest index.
    /// </summary>
    public static List<int> KCenter(float[] rows, int dim, float[] minDistance, int count, int first)
    {
        var n = minDistance.Length;
        var picks = new List<int>(count);
        var taken = new bool[n];
        var nothingCovered = minDistance.All(d => float.IsNaN(d) || float.IsPositiveInfinity(d));
        while (picks.Count < count)
        {
            var best = -1;
            if (picks.Count == 0 && nothingCovered && first >= 0 && first < n && !float.IsNaN(minDistance[first]))
            {
                best = first;
            }
            else
            {
                for (var j = 0; j < n; j++)
                {
                    if (!taken[j] && !float.IsNaN(minDistance[j]) && (best < 0 || minDistance[j] > minDistance[best]))
                    {
                        best = j;
                    }
                }
            }
            if (best < 0)
            {
                break;
            }
            taken[best] = true;
            picks.Add(best);
            var centre = Row(rows, dim, best);
            for (var j = 0; j < n; j++)
            {
                if (!taken[j] && !float.IsNaN(minDistance[j]))
                {
                    minDistance[j] = Math.Min(minDistance[j], SquaredDistance(Row(rows, dim, j), centre));
                }
            }
        }
        return picks;
    }

    /// <summary>
    /// k-means++ seeding over the candidates: the first pick is <paramref name="first"/>, each later one is drawn
    /// with probability proportional to its squared distance to the nearest pick. When every remaining candidate
    /// sits on a pick (duplicates), the rest are taken in candidate order.
    /// </summary>
    public static List<int> KMeansPlusPlus(float[] rows, int dim, IReadOnlyList<int> candidates, int count, int first, Random random)
    {
        var minDistance = new double[candidates.Count];
        Array.Fill(minDistance, double.PositiveInfinity);
        var usable = new bool[candidates.Count];
        for (var j = 0; j < candidates.Count; j++)
        {
            usable[j] = IsFinite(Row(rows, dim, candidates[j]));
        }
        var picks = new List<int>(count);
        var taken = new bool[candidates.Count];
        var next = first >= 0 && first < candidates.Count && usable[first] ? first : Array.IndexOf(usable, true);
        while (next >= 0 && picks.Count < count)
        {
            taken[next] = true;
            picks.Add(next);
            var centre = Row(rows, dim, candidates[next]);
            var total = 0.0;
            for (var j = 0; j < candidates.Count; j++)
            {
                if (usable[j] && !taken[j])
                {
                    minDistance[j] = Math.Min(minDistance[j], SquaredDistance(Row(rows, dim, candidates[j]), centre));
                    total += minDistance[j];
                }
            }
            next = -1;
            if (total > 0 && double.IsFinite(total))
            {
                var target = random.NextDouble() * total;
                for (var j = 0; j < candidates.Count; j++)
                {
                    if (usable[j] && !taken[j] && minDistance[j] > 0)
                    {
                        next = j;
                        target -= minDistance[j];
                        if (target <= 0)
                        {
                            break;
                        }
                    }
                }
            }
            if (next < 0)
            {
                for (var j = 0; j < candidates.Count && next < 0; j++)
                {
                    if (usable[j] && !taken[j])
                    {
                        next = j;
                    }
                }
            }
        }
        return picks;
    }

    /// <summary>
    /// Lloyd's k-means over the rows (k-means++ seeding, at most <paramref name="iterations"/> passes). Returns
    /// the centroids (k x dim) and each row's cluster (-1 for non-finite rows).
    /// </summary>
    public static (float[] Centroids, int[] Assignment) KMeans(float[] rows, int dim, int count, int k, int iterations, Random random)
    {
        var all = Enumerable.Range(0, count).ToList();
        var seeds = KMeansPlusPlus(rows, dim, all, k, random.Next(Math.Max(1, count)), random);
        k = seeds.Count;
        var centroids = new float[k * dim];
        for (var c = 0; c < k; c++)
        {
            Row(rows, dim, seeds[c]).CopyTo(centroids.AsSpan(c * dim, dim));
        }
        var assignment = new int[count];
        Array.Fill(assignment, -1);
        for (var iteration = 0; iteration < Math.Max(1, iterations); iteration++)
        {
            var changed = Assign(rows, dim, count, centroids, k, assignment);
            if (!changed && iteration > 0)
            {
                break;
            }
            var sums = new double[k * dim];
            var sizes = new int[k];
            for (var i = 0; i < count; i++)
            {
                var c = assignment[i];
                if (c < 0)
                {
                    continue;
                }
                sizes[c]++;
                var row = Row(rows, dim, i);
                for (var d = 0; d < dim; d++)
                {
                    sums[(c * dim) + d] += row[d];
                }
            }
            for (var c = 0; c < k; c++)
            {
                // An emptied cluster keeps its centroid; it can win members back on the next pass.
                if (sizes[c] > 0)
                {
                    for (var d = 0; d < dim; d++)
                    {
                        centroids[(c * dim) + d] = (float)(sums[(c * dim) + d] / sizes[c]);
                    }
                }
            }
        }
        Assign(rows, dim, count, centroids, k, assignment);
        return (centroids, assignment);
    }

    /// <summary>Index of the nearest centroid to <paramref name="row"/> (the first on ties), or -1 for a non-finite row.</summary>
    public static int Nearest(ReadOnlySpan<float> row, float[] centroids, int dim, int k)
    {
        if (!IsFinite(row))
        {
            return -1;
        }
        var best = -1;
        var bestDistance = float.PositiveInfinity;
        for (var c = 0; c < k; c++)
        {
            var d = SquaredDistance(row, centroids.AsSpan(c * dim, dim));
            if (d < bestDistance)
            {
                bestDistance = d;
                best = c;
            }
        }
        return best < 0 && k > 0 ? 0 : best;
    }

    private static bool Assign(float[] rows, int dim, int count, float[] centroids, int k, int[] assignment)
    {
        var changed = false;
        for (var i = 0; i < count; i++)
        {
            var best = Nearest(Row(rows, dim, i), centroids, dim, k);
            if (best != assignment[i])
            {
                assignment[i] = best;
                changed = true;
            }
        }
        return changed;
    }
}
