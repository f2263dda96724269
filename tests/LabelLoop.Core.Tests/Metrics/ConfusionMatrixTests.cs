using LabelLoop.Core.Metrics;
using Xunit;

namespace LabelLoop.Core.Tests.Metrics;

public sealed class ConfusionMatrixTests
{
    // Rows are the true class, columns the predicted one:
    //            cat dog bird
    //   cat       5   1   0
    //   dog       2   3   1
    //   bird      0   0   4
    private static readonly int[][] Counts = [[5, 1, 0], [2, 3, 1], [0, 0, 4]];

    [Fact]
    public void Precision_recall_f1_and_accuracy_match_the_hand_computed_values()
    {
        var matrix = ConfusionMatrix.TryCreate(["cat", "dog", "bird"], Counts)!;

        // 16 items, 5 + 3 + 4 = 12 on the diagonal: accuracy 0.75.
        Assert.Equal(16, matrix.Total);
        Assert.Equal(0.75, matrix.Accuracy!.Value, 10);
        var classes = matrix.PerClass();
        // cat: precision 5 / (5+2+0) = 5/7, recall 5 / 6, F1 = 2 * (5/7)(5/6) / (5/7 + 5/6) = 10/13
        Assert.Equal(("cat", 6L), (classes[0].Label, classes[0].Support));
        Assert.Equal(5.0 / 7, classes[0].Precision!.Value, 10);
        Assert.Equal(5.0 / 6, classes[0].Recall!.Value, 10);
        Assert.Equal(10.0 / 13, classes[0].F1!.Value, 10);
        // dog: precision 3 / (1+3+0) = 0.75, recall 3 / 6 = 0.5, F1 = 2 * 0.375 / 1.25 = 0.6
        Assert.Equal(0.75, classes[1].Precision!.Value, 10);
        Assert.Equal(0.5, classes[1].Recall!.Value, 10);
        Assert.Equal(0.6, classes[1].F1!.Value, 10);
        // bird: precision 4 / (0+1+4) = 0.8, recall 4 / 4 = 1
        Assert.Equal(0.8, classes[2].Precision!.Value, 10);
        Assert.Equal(1.0, classes[2].Recall!.Value, 10);
    }

    [Fact]
    public void A_class_never_predicted_has_no_precision_and_one_never_present_has_no_recall()
    {
        // "b" is never predicted (column all zero) and never true (row all zero).
        var matrix = ConfusionMatrix.TryCreate(["a", "b"], [[3, 0], [0, 0]])!;

        Assert.Null(matrix.Precision(1));
        Assert.Null(matrix.Recall(1));
        Assert.Null(matrix.PerClass()[1].F1);
        Assert.Equal(1.0, matrix.Precision(0)!.Value);
    }

    [Fact]
    public void A_matrix_that_does_not_fit_the_label_set_is_refused()
    {
        Assert.Null(ConfusionMatrix.TryCreate(["a", "b"], null));
        Assert.Null(ConfusionMatrix.TryCreate(["a", "b"], [[1, 2, 3], [4, 5, 6]]));
        Assert.Null(ConfusionMatrix.TryCreate(["a", "b", "c"], [[1, 2], [3, 4]]));
        Assert.Null(ConfusionMatrix.TryCreate(["a", "b"], [[1, -2], [3, 4]]));
        Assert.Null(ConfusionMatrix.TryCreate([], []));
        Assert.Null(ConfusionMatrix.TryCreate(["a", "b"], [[0, 0], [0, 0]])!.Accuracy);
    }
}
