using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using Xunit;
using Lease = LabelLoop.Core.Annotations.AnswerAdmission.Lease;

namespace LabelLoop.Core.Tests;

public sealed class AnswerAdmissionTests
{
    private static string? Refusal(
        ItemStatus status = ItemStatus.Unlabeled, int labels = 0, int overlap = 1, Lease lease = Lease.Live, int others = 0, bool skip = false,
        int? budget = null, long given = 0, long live = 0) =>
        AnswerAdmission.Refusal(7, new AnswerAdmission.Facts(status, labels, overlap, lease, others, skip, budget, given, live));

    [Fact]
    public void An_answer_from_a_live_lease_on_an_open_item_is_admitted() =>
        Assert.Null(Refusal());

    [Fact]
    public void An_item_leased_to_someone_else_is_refused_without_a_live_lease_of_ones_own()
    {
        Assert.Equal("Item 7 is leased to another annotator.", Refusal(lease: Lease.None, others: 1));
        Assert.Equal("Item 7 is leased to another annotator.", Refusal(lease: Lease.Expired, others: 1));
        Assert.Null(Refusal(lease: Lease.Live, overlap: 2, others: 1));
    }

    [Fact]
    public void An_expired_lease_is_taken_as_a_fresh_one_while_the_item_has_room()
    {
        Assert.Null(Refusal(lease: Lease.Expired));
        Assert.Null(Refusal(lease: Lease.Expired, overlap: 3, labels: 1, others: 1));
        Assert.NotNull(Refusal(lease: Lease.Expired, overlap: 3, labels: 2, others: 1));
    }

    [Fact]
    public void An_item_never_served_to_the_caller_is_refused_even_when_free() =>
        Assert.StartsWith("Item 7 is not leased to you", Refusal(lease: Lease.None), StringComparison.Ordinal);

    [Theory]
    [InlineData(ItemStatus.Labeled, 1, "Item 7 already has the answers it needs (it is labeled).")]
    [InlineData(ItemStatus.InReview, 2, "Item 7 already has the answers it needs (it is waiting for a reviewer).")]
    [InlineData(ItemStatus.Skipped, 0, "Item 7 already has the answers it needs (enough annotators skipped it).")]
    [InlineData(ItemStatus.Unlabeled, 2, "Item 7 already has the answers it needs.")]
    public void An_item_with_its_answers_takes_no_more(ItemStatus status, int labels, string reason) =>
        Assert.Equal(reason, Refusal(status, labels, overlap: 2));

    [Fact]
    public void Labels_stop_at_the_budget_and_skips_do_not()
    {
        Assert.Null(Refusal(budget: 3, given: 2));
        Assert.Equal("The project's label budget is spent (3 labels).", Refusal(budget: 3, given: 3));
        Assert.Null(Refusal(budget: 3, given: 3, skip: true));
    }

    [Fact]
    public void A_fresh_lease_counts_the_live_leases_against_the_budget_as_the_queue_does()
    {
        Assert.Equal("The rest of the project's label budget is leased to other annotators.", Refusal(lease: Lease.Expired, budget: 3, given: 2, live: 1));
        Assert.Null(Refusal(lease: Lease.Expired, budget: 3, given: 1, live: 1));
        Assert.Null(Refusal(lease: Lease.Live, budget: 3, given: 2, live: 1));
    }
}
