namespace LabelLoop.Core.Jobs;

/// <summary>
/// A job cannot run on the data it was given (too few labels, an unknown strategy...). Never retried; the
/// message is shown to the user as is.
/// </summary>
public sealed class JobInputException(string message) : Exception(message);
