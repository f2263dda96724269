namespace LabelLoop.Core;

/// <summary>The caller is signed in but may not act on this resource (not a member, wrong role). Maps to 403.</summary>
public sealed class AccessDeniedException : Exception
{
    public AccessDeniedException(string message) : base(message) { }

    public AccessDeniedException() { }

    public AccessDeniedException(string message, Exception inner) : base(message, inner) { }
}
