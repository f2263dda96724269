namespace LabelLoop.Core.Import;

/// <summary>The bytes are not a valid image; the message says why.</summary>
public sealed class InvalidImageException : Exception
{
    public InvalidImageException(string message) : base(message) { }

    public InvalidImageException(string message, Exception inner) : base(message, inner) { }

    public InvalidImageException() { }
}
