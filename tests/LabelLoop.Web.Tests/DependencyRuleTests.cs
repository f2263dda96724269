using Xunit;

namespace LabelLoop.Web.Tests;

/// <summary>Web references Core, Data and Jobs, never the engine (DESIGN.md §2): what it shows of it comes through Jobs.</summary>
public sealed class DependencyRuleTests
{
    [Fact]
    public void Web_does_not_reference_the_engine_assembly()
    {
        var referenced = typeof(Program).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();

        Assert.Contains("LabelLoop.Jobs", referenced);
        Assert.DoesNotContain("LabelLoop.Ml", referenced);
    }
}
