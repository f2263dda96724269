using LabelLoop.Core.Import;
using Xunit;

namespace LabelLoop.Core.Tests.Import;

public sealed class ImportPathsTests
{
    [Theory]
    [InlineData("a.png", "a.png")]
    [InlineData("cat/a.png", "cat/a.png")]
    [InlineData("cat\\a.png", "cat/a.png")]
    [InlineData("./cat//a.png", "cat/a.png")]
    [InlineData("cat/./a.png", "cat/a.png")]
    [InlineData("..hidden/a.png", "..hidden/a.png")]
    public void Safe_paths_are_normalized_to_forward_slashes(string path, string expected)
    {
        Assert.Equal(expected, ImportPaths.Normalize(path));
    }

    [Theory]
    [InlineData("../evil.png")]
    [InlineData("cat/../../evil.png")]
    [InlineData("cat/../dog.png")]
    [InlineData("..\\evil.png")]
    [InlineData("/etc/x.png")]
    [InlineData("\\server\\share\\x.png")]
    [InlineData("C:/Windows/x.png")]
    [InlineData("c:x.png")]
    [InlineData("cat/a\0.png")]
    public void Paths_that_escape_the_root_are_refused(string path)
    {
        Assert.Null(ImportPaths.Normalize(path));
    }

    [Theory]
    [InlineData(".DS_Store", true)]
    [InlineData("cat/.hidden.png", true)]
    [InlineData("__MACOSX/cat/a.png", true)]
    [InlineData("cat/Thumbs.db", true)]
    [InlineData("README.md", true)]
    [InlineData("cat/a.png", false)]
    public void Operating_system_litter_is_ignorable(string path, bool ignorable)
    {
        Assert.Equal(ignorable, ImportPaths.IsIgnorable(path));
    }
}
