using Microsoft.Extensions.Logging;

namespace LabelLoop.Ml;

/// <summary>Parses the <c>--engine native|torchsharp</c> and <c>Ml:Engine</c> values.</summary>
public static class EngineKindParser
{
    /// <summary>Parses <paramref name="value"/> (case-insensitive) into an <see cref="EngineKind"/>.</summary>
    /// <returns>False when the value is not <c>native</c> or <c>torchsharp</c>.</returns>
    public static bool TryParse(string? value, out EngineKind engine)
    {
        switch (value?.Trim().ToUpperInvariant())
        {
            case "NATIVE":
                engine = EngineKind.Native;
                return true;
            case "TORCHSHARP":
                engine = EngineKind.TorchSharp;
                return true;
            default:
                engine = EngineKind.Native;
                return false;
        }
    }

    /// <summary>Parses <paramref name="value"/> into an <see cref="EngineKind"/>.</summary>
    /// <exception cref="ArgumentException">The value is not <c>native</c> or <c>torchsharp</c>.</exception>
    public static EngineKind Parse(string value)
        => TryParse(value, out var engine)
            ? engine
            : throw new ArgumentException($"Unknown engine '{value}'; expected native or torchsharp.", nameof(value));

    /// <summary>The engine <paramref name="options"/> selects.</summary>
    public static IModelEngine Create(EngineOptions options, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Engine switch
        {
            EngineKind.TorchSharp => new TorchSharp.TorchSharpEngine(options, loggers?.CreateLogger<TorchSharp.TorchSharpEngine>()),
            _ => new TorchModelEngine(options, loggers?.CreateLogger<TorchModelEngine>()),
        };
    }
}
