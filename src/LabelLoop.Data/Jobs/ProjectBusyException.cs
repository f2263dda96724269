namespace LabelLoop.Data.Jobs;

/// <summary>A run cannot start yet: another run of the same kind is alive for its project.</summary>
public sealed class ProjectBusyException(string message) : Exception(message);
