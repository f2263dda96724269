namespace LabelLoop.Core;

/// <summary>The requested entity does not exist (or the caller may not know it exists). Maps to 404.</summary>
public sealed class NotFoundException : Exception
{
    public NotFoundException(string message) : base(message) { }

    public NotFoundException() { }

    public NotFoundException(string message, Exception inner) : base(message, inner) { }
}
