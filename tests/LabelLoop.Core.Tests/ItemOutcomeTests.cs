using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using Xunit;

namespace LabelLoop.Core.Tests;

public sealed class ItemOutcomeTests
{
    [Fact]
    public void One_label_with_overlap_one_labels_the_item() =>
        Assert.Equal(new ItemOutcome.Result(ItemStatus.Labeled, "cat", 1), ItemOutcome.Decide(1, ["cat"], null));

    [Fact]
    public void Agreement_of_overlap_annotators_labels_the_item() =>
        Assert.Equal(new ItemOutcome.Result(ItemStatus.Labeled, "dog", 2), ItemOutcome.Decide(2, ["dog", null, "dog"], null));

    [Fact]
    public void Disagreement_sends_the_item_to_review() =>
        Assert.Equal(ItemStatus.InReview, ItemOutcome.Decide(2, ["dog", "cat"], null).Status);

    [Fact]
    public void Fewer_labels_than_the_overlap_keep_the_item_open() =>
        Assert.Equal(new ItemOutcome.Result(ItemStatus.Unlabeled, null, 1), ItemOutcome.Decide(3, ["dog"], null));

    [Fact]
    public void The_reviewers_label_is_final() =>
        Assert.Equal(new ItemOutcome.Result(ItemStatus.Labeled, "cat", 2), ItemOutcome.Decide(2, ["dog", "cat"], "cat"));

    [Fact]
    public void Skips_by_more_than_overlap_annotators_retire_the_item()
    {
        Assert.Equal(ItemStatus.Unlabeled, ItemOutcome.Decide(1, [null], null).Status);
        Assert.Equal(ItemStatus.Skipped, ItemOutcome.Decide(1, [null, null], null).Status);
    }

    [Fact]
    public void No_answers_leave_the_item_unlabeled() =>
        Assert.Equal(ItemStatus.Unlabeled, ItemOutcome.Decide(1, [], null).Status);
}
