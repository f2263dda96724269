namespace LabelLoop.Core;

/// <summary>Input broke a domain rule. Maps to 400 with the per-field errors.</summary>
public sealed class DomainValidationException : Exception
{
    public DomainValidationException(string field, string message)
        : this(new Dictionary<string, string[]> { [field] = [message] }) { }

    public DomainValidationException(IReadOnlyDictionary<string, string[]> errors)
        : base(string.Join("; ", errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")))) => Errors = errors;

    public DomainValidationException() : this(new Dictionary<string, string[]>()) { }

    public DomainValidationException(string message) : this("", message) { }

    public DomainValidationException(string message, Exception inner) : base(message, inner) => Errors = new Dictionary<string, string[]>();

    public IReadOnlyDictionary<string, string[]> Errors { get; }
}
