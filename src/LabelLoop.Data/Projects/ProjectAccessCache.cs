using System.Collections.Concurrent;
using LabelLoop.Core.Projects;

namespace LabelLoop.Data.Projects;

/// <summary>
/// What the labeling hot path asks on every request and what rarely changes: "is this user a member of this
/// project?" and the project's label set. A positive answer is kept for <see cref="Lifetime"/>; a refusal is never
/// kept, so a new member gets in at once. Removing a member or editing the label set through
/// <see cref="ProjectService"/> forgets the entry on this node at once; other nodes (scale-out) see the change
/// within <see cref="Lifetime"/>.
/// </summary>
internal sealed class ProjectAccessCache(TimeProvider time)
{
    /// <summary>How long a membership or a label set is trusted without asking the database again.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    // Bounds memory when many users touch many projects: past this, expired entries are swept.
    private const int SweepAbove = 10_000;

    private readonly ConcurrentDictionary<(int ProjectId, string UserId), DateTime> _members = new();
    private readonly ConcurrentDictionary<int, (IReadOnlyList<LabelSpec> Labels, DateTime Until)> _labels = new();

    public bool IsKnownMember(int projectId, string userId) =>
        _members.TryGetValue((projectId, userId), out var until) && until > Now;

    public void RememberMember(int projectId, string userId)
    {
        Sweep(_members, e => e.Value);
        _members[(projectId, userId)] = Now + Lifetime;
    }

    public void ForgetMember(int projectId, string userId) => _members.TryRemove((projectId, userId), out _);

    public IReadOnlyList<LabelSpec>? Labels(int projectId) =>
        _labels.TryGetValue(projectId, out var entry) && entry.Until > Now ? entry.Labels : null;

    public void RememberLabels(int projectId, IReadOnlyList<LabelSpec> labels)
    {
        Sweep(_labels, e => e.Value.Until);
        _labels[projectId] = (labels, Now + Lifetime);
    }

    /// <summary>Forgets everything about a project (its label set changed, or it was deleted).</summary>
    public void ForgetProject(int projectId)
    {
        _labels.TryRemove(projectId, out _);
        foreach (var key in _members.Keys.Where(k => k.ProjectId == projectId))
        {
            _members.TryRemove(key, out _);
        }
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private void Sweep<TKey, TValue>(ConcurrentDictionary<TKey, TValue> entries, Func<KeyValuePair<TKey, TValue>, DateTime> until)
        where TKey : notnull
    {
        if (entries.Count < SweepAbove)
        {
            return;
        }
        var now = Now;
        foreach (var entry in entries.Where(e => until(e) <= now))
        {
            entries.TryRemove(entry.Key, out _);
        }
    }
}
