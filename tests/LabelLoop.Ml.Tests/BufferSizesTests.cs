namespace LabelLoop.Ml.Tests;

public sealed class BufferSizesTests
{
    [Fact]
    public void Product_multiplies_items_values_and_passes()
        => Assert.Equal(2 * 3 * 4, BufferSizes.Product(2, 3, 4));

    [Fact]
    public void Product_beyond_the_largest_array_is_an_argument_error()
    {
        var e = Assert.Throws<ArgumentException>(() => BufferSizes.Product(60_000, 10, 10_000));

        Assert.Contains("split the batch", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negative_sizes_are_rejected()
        => Assert.Throws<ArgumentOutOfRangeException>(() => BufferSizes.Product(-1, 3, 1));

    [Fact]
    public void A_short_destination_names_both_lengths()
    {
        var e = Assert.Throws<ArgumentException>(() => BufferSizes.RequireLength(7, 8, "destination"));

        Assert.Equal("destination", e.ParamName);
        Assert.Contains("holds 7 floats but 8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_enough_destination_passes() => BufferSizes.RequireLength(8, 8, "destination");

    [Fact]
    public void A_negative_item_count_is_rejected_by_the_batch()
        => Assert.Throws<ArgumentOutOfRangeException>(() => ModelBatch.FromPixels(new float[4], -1));
}
