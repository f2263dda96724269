using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using LabelLoop.Jobs;
using LabelLoop.Ml;
using LabelLoop.Ml.TorchSharp;
using Microsoft.Extensions.Hosting;

namespace LabelLoop.Cli;

/// <summary>
/// <c>labelloop --version</c>: the product's version, then the model engine as a worker started here would run it
/// (libtorch version, device and CPU threads, read from the same configuration as <c>serve</c> and <c>worker</c>).
/// </summary>
internal sealed class VersionAction : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        var version = typeof(VersionAction).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        parseResult.InvocationConfiguration.Output.WriteLine($"labelloop {version.Split('+')[0]}");

        var options = JobsServiceCollectionExtensions.EngineOptionsFrom(Host.CreateApplicationBuilder().Configuration);
        var device = options.Device;
        var info = new TorchSharpEngine(options).Info;
        parseResult.InvocationConfiguration.Output.WriteLine(info.EngineAvailable
            ? $"model engine: TorchSharp {info.TorchSharpVersion}, libtorch {info.TorchVersion}; device: {info.DescribeDevice(device)}"
                + (device == ModelDevice.Cpu || !info.CudaAvailable ? "" : $"; {info.Threads} CPU threads")
            : $"model engine: unavailable ({info.UnavailableReason})");
        return ExitCodes.Ok;
    }
}
