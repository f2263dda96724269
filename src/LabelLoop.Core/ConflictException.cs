namespace LabelLoop.Core;

/// <summary>
/// The request is well formed but the current state refuses it (an item leased to another annotator, a spent label
/// budget, an idempotency key already used for another request). Maps to 409 with the message as the detail.
/// </summary>
public sealed class ConflictException : Exception
{
    public ConflictException(string message) : base(message) { }

    public ConflictException() { }

    public ConflictException(string message, Exception inner) : base(message, inner) { }
}
