using LabelLoop.Core.Import;
using Xunit;

namespace LabelLoop.Core.Tests.Import;

public sealed class CsvReaderTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("carriage\rreturn", "\"carriage\rreturn\"")]
    [InlineData("", "")]
    public void Escape_quotes_only_fields_that_need_it(string value, string expected)
    {
        Assert.Equal(expected, CsvReader.Escape(value));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("a,b")]
    [InlineData("say \"hi\", twice \"\"")]
    [InlineData("two\nlines\n")]
    public void Escaped_fields_read_back_unchanged(string value)
    {
        var row = Assert.Single(CsvReader.ReadRows(CsvReader.Escape(value) + ",x\n"));

        Assert.Equal([value, "x"], row.Fields);
        Assert.Null(row.Error);
    }

    [Fact]
    public void A_last_row_without_a_line_break_is_read()
    {
        var rows = CsvReader.ReadRows("a,b\nc,d");

        Assert.Equal([1, 2], rows.Select(r => r.Line));
        Assert.Equal(["c", "d"], rows[1].Fields);
    }
}
