using LabelLoop.Core.Metrics;
using Xunit;

namespace LabelLoop.Core.Tests.Metrics;

public sealed class AgreementTests
{
    [Fact]
    public void Cohens_kappa_matches_the_hand_computed_example()
    {
        // 50 items; rater 1 said yes to 25, rater 2 to 30; both yes 20, both no 15.
        // p_o = (20 + 15) / 50 = 0.70
        // p_e = (25/50)(30/50) + (25/50)(20/50) = 0.30 + 0.20 = 0.50
        // kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40
        long[,] table = { { 20, 5 }, { 10, 15 } };

        Assert.Equal(0.40, Agreement.CohensKappa(table)!.Value, 10);
    }

    [Fact]
    public void Cohens_kappa_from_label_cells_builds_the_same_table()
    {
        // The same four items as the stats service test: (a,a) (a,b) (b,b) (b,b).
        // p_o = 3/4; rater 1: a 2, b 2; rater 2: a 1, b 3; p_e = (2*1 + 2*3) / 16 = 1/2; kappa = (3/4 - 1/2) / (1/2) = 0.5
        var kappa = Agreement.CohensKappa([("a", "a", 1L), ("a", "b", 1L), ("b", "b", 2L)]);

        Assert.Equal(0.5, kappa!.Value, 10);
    }

    [Fact]
    public void Cohens_kappa_is_one_for_perfect_agreement_and_negative_below_chance()
    {
        Assert.Equal(1.0, Agreement.CohensKappa(new long[,] { { 3, 0 }, { 0, 2 } })!.Value, 10);
        // Always opposite: p_o = 0, p_e = (2*2 + 2*2) / 16 = 0.5, kappa = (0 - 0.5) / 0.5 = -1.
        Assert.Equal(-1.0, Agreement.CohensKappa(new long[,] { { 0, 2 }, { 2, 0 } })!.Value, 10);
    }

    [Fact]
    public void Cohens_kappa_is_undefined_without_items_or_when_everything_is_one_label()
    {
        Assert.Null(Agreement.CohensKappa(new long[2, 2]));
        // Both always say "a": p_e = 1, so kappa = 0 / 0.
        Assert.Null(Agreement.CohensKappa([("a", "a", 7L)]));
        Assert.Throws<ArgumentException>(() => Agreement.CohensKappa(new long[2, 3]));
    }

    [Fact]
    public void Fleiss_kappa_matches_the_hand_computed_small_example()
    {
        // Three items, three raters, categories (A, B): [3,0] [2,1] [0,3].
        // P_i = sum n(n-1) / (3*2): 6/6 = 1, (2 + 0)/6 = 1/3, 6/6 = 1; P_bar = (1 + 1/3 + 1) / 3 = 7/9
        // p_A = 5/9, p_B = 4/9; P_e = 25/81 + 16/81 = 41/81
        // kappa = (63/81 - 41/81) / (40/81) = 22/40 = 0.55
        int[][] counts = [[3, 0], [2, 1], [0, 3]];

        Assert.Equal(0.55, Agreement.FleissKappa(counts)!.Value, 10);
    }

    [Fact]
    public void Fleiss_kappa_matches_the_textbook_fourteen_rater_example()
    {
        // Fleiss (1971) as tabulated on Wikipedia: 10 subjects, 14 raters, 5 categories.
        // p_j = 0.143 0.200 0.279 0.150 0.229; P_bar = 0.378; P_e = 0.213; kappa = (0.378 - 0.213) / (1 - 0.213) = 0.210
        int[][] counts =
        [
            [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
        ];

        Assert.Equal(0.210, Agreement.FleissKappa(counts)!.Value, 3);
    }

    [Fact]
    public void Fleiss_kappa_from_a_summary_equals_kappa_from_the_counts()
    {
        // The per-item form the database returns: (raters, agreeing ordered pairs, items) and category totals.
        // Items [2,0] [1,1] [0,2] [0,2]: (2, 2, 3 items) and (2, 0, 1 item); totals a = 3, b = 5.
        // P_bar = (3*1 + 1*0) / 4 = 0.75; P_e = (3/8)^2 + (5/8)^2 = 34/64; kappa = (0.75 - 0.53125) / 0.46875 = 7/15
        var summary = new RatingSummary([new UnitGroup(2, 2, 3), new UnitGroup(2, 0, 1)], [3, 5]);
        int[][] counts = [[2, 0], [1, 1], [0, 2], [0, 2]];

        Assert.Equal(7.0 / 15, Agreement.FleissKappa(summary)!.Value, 10);
        Assert.Equal(Agreement.FleissKappa(summary)!.Value, Agreement.FleissKappa(counts)!.Value, 12);
        Assert.Equal(4, summary.Items);
    }

    [Fact]
    public void Fleiss_kappa_ignores_items_with_one_rating_and_is_undefined_without_overlap()
    {
        Assert.Equal(0.55, Agreement.FleissKappa([[3, 0], [2, 1], [0, 3], [1, 0], [0, 1]])!.Value, 10);
        Assert.Null(Agreement.FleissKappa([[1, 0], [0, 1]]));
        Assert.Null(Agreement.FleissKappa([[2, 0], [3, 0]]));
    }

    [Fact]
    public void Krippendorffs_alpha_matches_the_hand_computed_small_example()
    {
        // Items [3,0] [2,1] [0,3]: n = 9 pairable values, n_A = 5, n_B = 4.
        // D_o = (1/9) * sum over items of (m(m-1) - sum n(n-1)) / (m-1) = (1/9) * (0 + (6-2)/2 + 0) = 2/9
        // D_e = (5*4 + 4*5) / (9*8) = 40/72 = 5/9
        // alpha = 1 - (2/9) / (5/9) = 0.6
        Assert.Equal(0.6, Agreement.KrippendorffAlpha([[3, 0], [2, 1], [0, 3]])!.Value, 10);
    }

    [Fact]
    public void Krippendorffs_alpha_matches_krippendorffs_example_with_missing_ratings()
    {
        // Krippendorff (2011), "Computing Krippendorff's alpha-reliability", nominal data, 4 coders, 12 units, some
        // ratings missing (unit 12 has one rating and is not pairable). Counts per unit over values 1..5:
        // n = 40; totals 9, 13, 10, 5, 3; D_e = (9*31 + 13*27 + 10*30 + 5*35 + 3*37) / (40*39) = 1216/1560
        // Disagreeing units: u2 (12-6)/3 = 2, u6 12/3 = 4, u8 (12-6)/3 = 2; D_o = 8/40 = 0.2
        // alpha = 1 - 0.2 / (1216/1560) = 0.743
        int[][] counts =
        [
            [3, 0, 0, 0, 0], [0, 3, 1, 0, 0], [0, 0, 4, 0, 0], [0, 0, 4, 0, 0], [0, 4, 0, 0, 0], [1, 1, 1, 1, 0],
            [0, 0, 0, 4, 0], [3, 1, 0, 0, 0], [0, 4, 0, 0, 0], [0, 0, 0, 0, 3], [2, 0, 0, 0, 0], [0, 0, 1, 0, 0],
        ];

        Assert.Equal(0.743, Agreement.KrippendorffAlpha(counts)!.Value, 3);
    }

    [Fact]
    public void Krippendorffs_alpha_is_undefined_when_every_value_is_the_same()
    {
        Assert.Null(Agreement.KrippendorffAlpha([[2, 0], [3, 0]]));
        Assert.Null(Agreement.KrippendorffAlpha([[1, 0]]));
    }
}
