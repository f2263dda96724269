namespace LabelLoop.Ml.Tests;

public sealed class ModelDeviceParserTests
{
    [Theory]
    [InlineData("auto", ModelDevice.Auto)]
    [InlineData("CPU", ModelDevice.Cpu)]
    [InlineData(" cuda ", ModelDevice.Cuda)]
    public void Parses_the_device_option(string value, ModelDevice expected)
        => Assert.Equal(expected, ModelDeviceParser.Parse(value));

    [Fact]
    public void Unknown_device_names_the_choices()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelDeviceParser.Parse("tpu"));

        Assert.Contains("auto, cpu or cuda", e.Message, StringComparison.Ordinal);
    }
}
