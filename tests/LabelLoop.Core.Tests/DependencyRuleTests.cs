using LabelLoop.Core.Projects;
using Xunit;

namespace LabelLoop.Core.Tests;

/// <summary>Core references nothing of EF Core or ASP.NET Core (STYLE.md §3.2).</summary>
public sealed class DependencyRuleTests
{
    [Theory]
    [InlineData("Microsoft.EntityFrameworkCore")]
    [InlineData("Microsoft.AspNetCore")]
    [InlineData("Npgsql")]
    [InlineData("LabelLoop.Data")]
    public void Core_does_not_reference(string forbiddenPrefix)
    {
        var offending = typeof(Project).Assembly.GetReferencedAssemblies()
            .Select(a => a.Name ?? "")
            .Where(n => n.StartsWith(forbiddenPrefix, StringComparison.Ordinal))
            .ToList();

        Assert.Empty(offending);
    }
}
