using LabelLoop.Core.Accounts;
using Xunit;

namespace LabelLoop.Core.Tests.Accounts;

public sealed class ApiScopesTests
{
    [Fact]
    public void Parse_accepts_known_names_in_any_order_and_returns_them_weakest_first()
    {
        Assert.Equal([ApiScopes.Read, ApiScopes.Write], ApiScopes.Parse(" write, read ,read"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" , ")]
    [InlineData("read,superuser")]
    public void Parse_rejects_empty_lists_and_unknown_names(string list)
    {
        var error = Assert.Throws<DomainValidationException>(() => ApiScopes.Parse(list));
        Assert.True(error.Errors.ContainsKey("scopes"));
    }

    [Theory]
    [InlineData("read", "read", true)]
    [InlineData("read", "label", false)]
    [InlineData("label", "read", true)]
    [InlineData("label", "write", false)]
    [InlineData("write", "label", true)]
    [InlineData("write", "admin", false)]
    [InlineData("admin", "write", true)]
    [InlineData("read,admin", "admin", true)]
    public void A_scope_grants_itself_and_every_weaker_one(string held, string required, bool granted)
    {
        Assert.Equal(granted, ApiScopes.Grants(held.Split(','), required));
    }
}
