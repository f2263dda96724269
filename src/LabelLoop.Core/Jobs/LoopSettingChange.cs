namespace LabelLoop.Core.Jobs;

/// <summary>One changed learning-loop setting of a project: who changed it, when, from what to what.</summary>
/// <remarks>Written in the same transaction as the change; never updated afterwards.</remarks>
public sealed class LoopSettingChange
{
    public const int MaxValueLength = 64;

    public long Id { get; set; }

    public int ProjectId { get; set; }

    /// <summary>The account that made the change; null when the instance itself did (CLI, seeding) or the account is gone.</summary>
    public string? UserId { get; set; }

    /// <summary>The setting's API name, e.g. <c>strategy</c>.</summary>
    public required string Setting { get; set; }

    /// <summary>The value before, as text; empty for none.</summary>
    public string OldValue { get; set; } = "";

    /// <summary>The value after, as text; empty for none.</summary>
    public string NewValue { get; set; } = "";

    public DateTime ChangedUtc { get; set; }
}
