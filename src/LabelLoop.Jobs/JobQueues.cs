using LabelLoop.Core.Jobs;

namespace LabelLoop.Jobs;

/// <summary>Hangfire's queues: libtorch work apart from the light jobs, so a long training never holds up an export.</summary>
public static class JobQueues
{
    /// <summary>Training, pretraining and simulation: <see cref="JobsOptions.MaxConcurrentMlJobs"/> workers per node.</summary>
    public const string Ml = "ml";

    /// <summary>Imports, exports and the periodic checks.</summary>
    public const string Default = "default";

    /// <summary>Both, in the order a node that runs both serves them.</summary>
    public static IReadOnlyList<string> All { get; } = [Ml, Default];

    public static string For(JobKind kind) => kind is JobKind.Import or JobKind.Export ? Default : Ml;

    /// <summary>Parses <c>--queues ml,default</c>; unknown names are an error that lists the known ones.</summary>
    public static IReadOnlyList<string> Parse(string? list)
    {
        if (string.IsNullOrWhiteSpace(list))
        {
            return All;
        }
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => n.ToLowerInvariant()).Distinct().ToList();
        var unknown = names.Where(n => !All.Contains(n)).ToList();
        if (unknown.Count > 0 || names.Count == 0)
        {
            throw new ArgumentException($"Unknown queue '{string.Join(", ", unknown)}': the queues are {string.Join(" and ", All)}.");
        }
        return names;
    }
}
