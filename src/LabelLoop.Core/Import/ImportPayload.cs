namespace LabelLoop.Core.Import;

/// <summary>A validated candidate together with its bytes (image items) for the blob store.</summary>
public sealed record ImportPayload(ImportCandidate Candidate, byte[]? Bytes);
