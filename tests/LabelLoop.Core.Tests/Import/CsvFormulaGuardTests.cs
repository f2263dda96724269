using LabelLoop.Core.Import;
using Xunit;

namespace LabelLoop.Core.Tests.Import;

public sealed class CsvFormulaGuardTests
{
    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@x", "'@x")]
    [InlineData("\tx", "'\tx")]
    [InlineData("\rx", "'\rx")]
    [InlineData("'=x", "''=x")]
    [InlineData("''-x", "'''-x")]
    [InlineData("plain", "plain")]
    [InlineData("'plain", "'plain")]
    [InlineData("a=b", "a=b")]
    [InlineData("", "")]
    [InlineData("'", "'")]
    public void Neutralise_prefixes_formula_cells_and_restore_undoes_it(string value, string cell)
    {
        Assert.Equal(cell, CsvFormulaGuard.Neutralise(value));
        Assert.Equal(value, CsvFormulaGuard.Restore(cell));
    }
}
