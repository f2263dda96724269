using LabelLoop.Testing;
using Xunit;

namespace LabelLoop.Web.Tests;

/// <summary>What the web application does when it starts (serve), before it answers a request.</summary>
public sealed class ServeStartupTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    [Fact]
    public void Start_up_sweeps_the_upload_buffers_a_killed_server_left_behind()
    {
        // Written before the application starts: the factory starts it on first use.
        var stale = factory.DataDir.WriteText("tmp/upload-0a1b2c3d4e5f", "a killed import's upload");
        File.SetLastWriteTimeUtc(stale, TimeProvider.System.GetUtcNow().UtcDateTime.AddDays(-1));
        var recent = factory.DataDir.WriteText("tmp/upload-9f8e7d6c5b4a", "another node's running import");

        using var client = factory.CreateClient();

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(recent));
    }
}
