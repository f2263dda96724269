namespace LabelLoop.Ml;

/// <summary>Parses the <c>--device auto|cpu|cuda</c> option values.</summary>
public static class ModelDeviceParser
{
    /// <summary>Parses <paramref name="value"/> (case-insensitive) into a <see cref="ModelDevice"/>.</summary>
    /// <returns>False when the value is not <c>auto</c>, <c>cpu</c> or <c>cuda</c>.</returns>
    public static bool TryParse(string? value, out ModelDevice device)
    {
        switch (value?.Trim().ToUpperInvariant())
        {
            case "AUTO":
                device = ModelDevice.Auto;
                return true;
            case "CPU":
                device = ModelDevice.Cpu;
                return true;
            case "CUDA":
            case "GPU":
                device = ModelDevice.Cuda;
                return true;
            default:
                device = ModelDevice.Auto;
                return false;
        }
    }

    /// <summary>Parses <paramref name="value"/> into a <see cref="ModelDevice"/>.</summary>
    /// <exception cref="ArgumentException">The value is not <c>auto</c>, <c>cpu</c> or <c>cuda</c>.</exception>
    public static ModelDevice Parse(string value)
        => TryParse(value, out var device)
            ? device
            : throw new ArgumentException($"Unknown device '{value}'; expected auto, cpu or cuda.", nameof(value));
}
