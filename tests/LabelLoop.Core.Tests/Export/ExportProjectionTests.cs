using LabelLoop.Core.Accounts;
using LabelLoop.Core.Export;
using LabelLoop.Core.Items;
using Xunit;

namespace LabelLoop.Core.Tests.Export;

public sealed class ExportProjectionTests
{
    private static readonly DateTime Created = new(2025, 3, 4, 5, 6, 7, DateTimeKind.Utc);

    private static readonly ExportRecord Record = new(
        7, "cat/a.png", null, "ab12", "labeled", "cat",
        [new ExportAnnotation("ann@example.org", "cat", false, Created, 1), new ExportAnnotation("other@example.org", "dog", false, Created, 2)],
        new ExportPrediction(3, "cat", new Dictionary<string, float> { ["cat"] = 0.75f, ["dog"] = 0.25f }, 0.5));

    private static readonly ItemView Item = new(7, 1, "cat/a.png", ItemStatus.Labeled, "cat", 2, null, "/content", "image/png", Created);

    [Fact]
    public void Each_role_gets_its_projection()
    {
        Assert.Same(ExportProjection.Admin, ExportProjection.For(new Caller("a", IsAdmin: true)));
        Assert.Same(ExportProjection.Admin, ExportProjection.For(Caller.System));
        Assert.Same(ExportProjection.Reviewer, ExportProjection.For(new Caller("r", IsAdmin: false, IsReviewer: true)));
        Assert.Same(ExportProjection.Annotator, ExportProjection.For(new Caller("n", IsAdmin: false)));
    }

    [Fact]
    public void Admins_read_everything()
    {
        Assert.Same(Record, ExportProjection.Admin.Apply(Record));
        Assert.Equal(Item, ExportProjection.Admin.Apply(Item));
        ExportProjection.Admin.EnsureMayExport();
    }

    [Fact]
    public void Reviewers_read_every_answer_but_not_the_external_id()
    {
        var record = ExportProjection.Reviewer.Apply(Record);
        var item = ExportProjection.Reviewer.Apply(Item);

        Assert.Null(record.ExternalId);
        Assert.Equal(Record.Annotations, record.Annotations);
        Assert.Equal("cat", record.FinalLabel);
        Assert.Null(item.ExternalId);
        Assert.Equal("cat", item.FinalLabel);
        ExportProjection.Reviewer.EnsureMayExport();
        ExportProjection.Reviewer.EnsureMayFilterByFinalLabel("cat");
    }

    [Fact]
    public void Annotators_may_not_export_and_read_neither_external_ids_nor_other_answers()
    {
        var record = ExportProjection.Annotator.Apply(Record);
        var item = ExportProjection.Annotator.Apply(Item);

        Assert.Throws<AccessDeniedException>(ExportProjection.Annotator.EnsureMayExport);
        Assert.Throws<AccessDeniedException>(() => ExportProjection.Annotator.EnsureMayFilterByFinalLabel("cat"));
        ExportProjection.Annotator.EnsureMayFilterByFinalLabel(null);
        Assert.Null(record.ExternalId);
        Assert.Empty(record.Annotations);
        Assert.Null(record.FinalLabel);
        Assert.Null(item.ExternalId);
        Assert.Null(item.FinalLabel);
        Assert.Equal(Item.Text, item.Text);
    }
}
