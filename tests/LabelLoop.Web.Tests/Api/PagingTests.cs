using LabelLoop.Core;
using LabelLoop.Web.Api;
using Xunit;

namespace LabelLoop.Web.Tests.Api;

public sealed class PagingTests
{
    [Fact]
    public void A_full_fetch_drops_the_extra_row_and_points_the_cursor_at_the_last_served_key()
    {
        var page = Paging.ToPage([10L, 11L, 12L], limit: 2, key: x => x);

        Assert.Equal([10L, 11L], page.Items);
        Assert.Equal(11L, Paging.After(page.NextCursor));
    }

    [Fact]
    public void A_short_fetch_is_the_last_page()
    {
        var page = Paging.ToPage([10L, 11L], limit: 2, key: x => x);

        Assert.Null(page.NextCursor);
        Assert.Null(Paging.After(null));
    }

    [Theory]
    [InlineData("not base64 !")]
    [InlineData("aGVsbG8")]
    public void Cursors_not_made_here_are_a_validation_error(string cursor)
    {
        var error = Assert.Throws<DomainValidationException>(() => Paging.After(cursor));
        Assert.True(error.Errors.ContainsKey("cursor"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(501)]
    public void Limits_out_of_range_are_a_validation_error(int limit)
    {
        Assert.Throws<DomainValidationException>(() => Paging.Limit(limit));
        Assert.Equal(Paging.DefaultLimit, Paging.Limit(null));
    }
}
