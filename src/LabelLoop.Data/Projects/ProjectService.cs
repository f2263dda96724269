using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Items;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LabelLoop.Data.Projects;

/// <summary>Project use cases: create, edit, list and read with access checks, membership.</summary>
/// <param name="storage">Where the project's files live; null deletes rows only (services built by hand in tests).</param>
public sealed class ProjectService(IDbContextFactory<LabelLoopDbContext> contextFactory, TimeProvider time, IOptions<LabelLoopStorageOptions>? storage = null)
{
    private readonly ProjectAccessCache _cache = new(time);

    public async Task<int> CreateAsync(Caller caller, ProjectInput input, CancellationToken cancellationToken = default)
    {
        RequireAdmin(caller);
        input = ProjectRules.Normalize(input);
        Validate(input);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var name = input.Name;
        if (await db.Projects.AnyAsync(p => p.Name == name, cancellationToken))
        {
            throw new DomainValidationException("name", $"A project named '{name}' already exists.");
        }
        var now = time.GetUtcNow().UtcDateTime;
        var project = new Project
        {
            Name = name,
            Kind = input.Kind,
            Instructions = input.Instructions,
            Overlap = input.Overlap,
            AllowHorizontalFlip = input.AllowHorizontalFlip,
            LeaseMinutes = input.LeaseMinutes,
            CreatedUtc = now,
            UpdatedUtc = now,
            Labels = input.Labels.Select((l, i) => ToEntity(l, i)).ToList(),
        };
        db.Projects.Add(project);
        await db.SaveChangesAsync(cancellationToken);
        return project.Id;
    }

    /// <summary>Edits settings and the label set. Labels are matched by name; a label already used by an annotation cannot be removed.</summary>
    public async Task UpdateAsync(Caller caller, int projectId, ProjectInput input, CancellationToken cancellationToken = default)
    {
        RequireAdmin(caller);
        input = ProjectRules.Normalize(input);
        Validate(input);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var project = await db.Projects.Include(p => p.Labels).SingleOrDefaultAsync(p => p.Id == projectId, cancellationToken)
            ?? throw new NotFoundException($"Project {projectId} does not exist.");
        var name = input.Name;
        if (name != project.Name && await db.Projects.AnyAsync(p => p.Name == name, cancellationToken))
        {
            throw new DomainValidationException("name", $"A project named '{name}' already exists.");
        }
        if (input.Kind != project.Kind && project.ItemCount > 0)
        {
            throw new DomainValidationException("kind", "The kind of a project with items cannot change.");
        }
        var wanted = input.Labels.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        var removed = project.Labels.Where(l => !wanted.Contains(l.Name)).ToList();
        if (removed.Count > 0)
        {
            var removedNames = removed.Select(l => l.Name).ToList();
            var used = await db.Annotations.Where(a => a.ProjectId == projectId && a.Label != null && removedNames.Contains(a.Label))
                .Select(a => a.Label!).Distinct().ToListAsync(cancellationToken);
            if (used.Count > 0)
            {
                throw new DomainValidationException("labels", $"Labels already used by annotations cannot be removed: {string.Join(", ", used)}.");
            }
            db.LabelClasses.RemoveRange(removed);
        }
        for (var i = 0; i < input.Labels.Count; i++)
        {
            var spec = input.Labels[i];
            var existing = project.Labels.FirstOrDefault(l => l.Name == spec.Name);
            if (existing is null)
            {
                project.Labels.Add(ToEntity(spec, i));
            }
            else
            {
                existing.Hotkey = NormalizeHotkey(spec.Hotkey);
                existing.Color = string.IsNullOrEmpty(spec.Color) ? existing.Color : spec.Color;
                existing.Order = i;
            }
        }
        Jobs.LoopSettingsService.RecordProjectFormChanges(db, caller, project, input.Overlap, input.LeaseMinutes, time.GetUtcNow().UtcDateTime);
        project.Name = name;
        project.Kind = input.Kind;
        project.Instructions = input.Instructions;
        project.Overlap = input.Overlap;
        project.AllowHorizontalFlip = input.AllowHorizontalFlip;
        project.LeaseMinutes = input.LeaseMinutes;
        project.UpdatedUtc = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        _cache.ForgetProject(projectId);
    }

    /// <summary>
    /// Deletes a project with its items, annotations, predictions, model versions and job runs, then its files: model
    /// and encoder checkpoints, exports and simulation results (blobs stay: they are shared by content).
    /// </summary>
    public async Task DeleteAsync(Caller caller, int projectId, CancellationToken cancellationToken = default)
    {
        RequireAdmin(caller);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var runs = await db.JobRuns.Where(j => j.ProjectId == projectId && j.Kind == JobKind.Simulate).Select(j => j.Id).ToListAsync(cancellationToken);
        if (await db.Projects.Where(p => p.Id == projectId).ExecuteDeleteAsync(cancellationToken) == 0)
        {
            throw new NotFoundException($"Project {projectId} does not exist.");
        }
        _cache.ForgetProject(projectId);
        if (storage is not null)
        {
            var files = storage.Value;
            var folders = runs.Select(id => Path.Combine(files.FullDataDir, "simulations", $"run-{id}"))
                .Append(Path.Combine(files.ModelsDir, $"project-{projectId}"))
                .Append(Path.Combine(files.ExportsDir, $"project-{projectId}"));
            foreach (var folder in folders)
            {
                try
                {
                    if (Directory.Exists(folder))
                    {
                        Directory.Delete(folder, recursive: true);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // The rows are gone and nothing reads these files any more; a folder that cannot be removed now
                    // (a file held open by a job that is stopping) is only disk space.
                }
            }
        }
    }

    /// <summary>Admins see every project; everyone else the projects they are members of.</summary>
    public async Task<IReadOnlyList<ProjectSummary>> ListAsync(Caller caller, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Projects.AsNoTracking();
        if (!caller.IsAdmin)
        {
            query = query.Where(p => p.Members.Any(m => m.UserId == caller.UserId));
        }
        return await query.OrderBy(p => p.Name)
            .Select(p => new ProjectSummary(p.Id, p.Name, p.Kind, p.ItemCount, p.LabeledCount, p.CreatedUtc))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// One page of the projects <paramref name="caller"/> may see (as <see cref="ListAsync"/> filters them) whose name
    /// contains <see cref="ProjectQuery.Search"/> (ignoring case), in the asked order, with how many match in all.
    /// </summary>
    public async Task<ProjectPage> SearchAsync(Caller caller, ProjectQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var projects = db.Projects.AsNoTracking();
        if (!caller.IsAdmin)
        {
            projects = projects.Where(p => p.Members.Any(m => m.UserId == caller.UserId));
        }
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var term = query.Search.Trim().ToLowerInvariant();
#pragma warning disable CA1862, CA1304, CA1311 // ToLower translates to SQL on both providers; the comparison overloads do not.
            projects = projects.Where(p => p.Name.ToLower().Contains(term));
#pragma warning restore CA1862, CA1304, CA1311
        }
        var total = await projects.CountAsync(cancellationToken);
        var ordered = (query.Sort, query.Descending) switch
        {
            (ProjectSort.Kind, false) => projects.OrderBy(p => p.Kind).ThenBy(p => p.Name),
            (ProjectSort.Kind, true) => projects.OrderByDescending(p => p.Kind).ThenBy(p => p.Name),
            (ProjectSort.Items, false) => projects.OrderBy(p => p.ItemCount).ThenBy(p => p.Name),
            (ProjectSort.Items, true) => projects.OrderByDescending(p => p.ItemCount).ThenBy(p => p.Name),
            (ProjectSort.Labeled, false) => projects.OrderBy(p => p.LabeledCount).ThenBy(p => p.Name),
            (ProjectSort.Labeled, true) => projects.OrderByDescending(p => p.LabeledCount).ThenBy(p => p.Name),
            (ProjectSort.Created, false) => projects.OrderBy(p => p.CreatedUtc).ThenBy(p => p.Name),
            (ProjectSort.Created, true) => projects.OrderByDescending(p => p.CreatedUtc).ThenBy(p => p.Name),
            (_, true) => projects.OrderByDescending(p => p.Name),
            _ => projects.OrderBy(p => p.Name),
        };
        var items = await ordered.ThenBy(p => p.Id)
            .Skip(Math.Max(0, query.Skip)).Take(Math.Clamp(query.Take, 1, 200))
            .Select(p => new ProjectSummary(p.Id, p.Name, p.Kind, p.ItemCount, p.LabeledCount, p.CreatedUtc))
            .ToListAsync(cancellationToken);
        return new ProjectPage(items, total);
    }

    public async Task<ProjectDetails> GetAsync(Caller caller, int projectId, CancellationToken cancellationToken = default)
    {
        await EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var project = await db.Projects.AsNoTracking().Include(p => p.Labels).SingleAsync(p => p.Id == projectId, cancellationToken);
        var byStatus = await db.Items.Where(i => i.ProjectId == projectId)
            .GroupBy(i => i.Status)
            .Select(g => new { Status = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Status, g => g.Count, cancellationToken);
        var withTruth = await db.Items.CountAsync(i => i.ProjectId == projectId && i.GroundTruth != null, cancellationToken);
        var annotations = await db.Annotations.CountAsync(a => a.ProjectId == projectId, cancellationToken);
        int Count(ItemStatus s) => byStatus.GetValueOrDefault(s);
        var counts = new ProjectCounts(byStatus.Values.Sum(), Count(ItemStatus.Unlabeled), Count(ItemStatus.Labeled),
            Count(ItemStatus.Skipped), Count(ItemStatus.InReview), withTruth, annotations);
        var labels = project.Labels.OrderBy(l => l.Order).Select(l => new LabelSpec(l.Name, l.Hotkey, l.Color)).ToList();
        return new ProjectDetails(project.Id, project.Name, project.Kind, project.Instructions, project.Overlap,
            project.AllowHorizontalFlip, labels, counts, project.CreatedUtc, project.LeaseMinutes);
    }

    /// <summary>
    /// The label set alone, for the workspace's hot path (no counting). Kept for a few seconds
    /// (<see cref="ProjectAccessCache.Lifetime"/>): it is for display; answers are checked against the database.
    /// </summary>
    public async Task<IReadOnlyList<LabelSpec>> GetLabelsAsync(Caller caller, int projectId, CancellationToken cancellationToken = default)
    {
        await EnsureAccessAsync(caller, projectId, cancellationToken);
        if (_cache.Labels(projectId) is { } cached)
        {
            return cached;
        }
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var labels = await db.LabelClasses.AsNoTracking().Where(l => l.ProjectId == projectId).OrderBy(l => l.Order)
            .Select(l => new LabelSpec(l.Name, l.Hotkey, l.Color)).ToListAsync(cancellationToken);
        _cache.RememberLabels(projectId, labels);
        return labels;
    }

    /// <summary>Resolves a project name (CLI) to its id.</summary>
    public async Task<int> GetIdByNameAsync(string name, CancellationToken cancellationToken = default)
    {
        name = ProjectRules.NormalizeName(name);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.Projects.Where(p => p.Name == name).Select(p => (int?)p.Id).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"No project is named '{name}'.");
    }

    /// <summary>
    /// Throws <see cref="NotFoundException"/> for a missing project, <see cref="AccessDeniedException"/> for a non-member.
    /// A membership is trusted for <see cref="ProjectAccessCache.Lifetime"/> after the database confirmed it (removal
    /// through <see cref="RemoveMemberAsync"/> takes effect at once on this node); a refusal is never remembered.
    /// </summary>
    public async Task EnsureAccessAsync(Caller caller, int projectId, CancellationToken cancellationToken = default)
    {
        if (!caller.IsAdmin && _cache.IsKnownMember(projectId, caller.UserId))
        {
            return;
        }
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var project = await db.Projects.Where(p => p.Id == projectId)
            .Select(p => new { IsMember = p.Members.Any(m => m.UserId == caller.UserId) })
            .SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"Project {projectId} does not exist.");
        if (!caller.IsAdmin && !project.IsMember)
        {
            throw new AccessDeniedException($"You are not a member of project {projectId}.");
        }
        if (project.IsMember)
        {
            _cache.RememberMember(projectId, caller.UserId);
        }
    }

    public async Task AddMemberAsync(Caller caller, int projectId, string userId, CancellationToken cancellationToken = default)
    {
        RequireAdmin(caller);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, cancellationToken))
        {
            throw new NotFoundException($"Project {projectId} does not exist.");
        }
        if (!await db.Users.AnyAsync(u => u.Id == userId, cancellationToken))
        {
            throw new NotFoundException($"User {userId} does not exist.");
        }
        if (await db.ProjectMembers.AnyAsync(m => m.ProjectId == projectId && m.UserId == userId, cancellationToken))
        {
            return;
        }
        db.ProjectMembers.Add(new ProjectMember { ProjectId = projectId, UserId = userId, AddedUtc = time.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task RemoveMemberAsync(Caller caller, int projectId, string userId, CancellationToken cancellationToken = default)
    {
        RequireAdmin(caller);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await db.ProjectMembers.Where(m => m.ProjectId == projectId && m.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        _cache.ForgetMember(projectId, userId);
    }

    /// <summary>Members with their e-mail, for the project page.</summary>
    public async Task<IReadOnlyList<(string UserId, string Email)>> ListMembersAsync(Caller caller, int projectId, CancellationToken cancellationToken = default)
    {
        await EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ProjectMembers.Where(m => m.ProjectId == projectId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { u.Id, u.Email })
            .OrderBy(x => x.Email)
            .ToListAsync(cancellationToken);
        return rows.Select(r => (r.Id, r.Email ?? "")).ToList();
    }

    /// <summary>The projects the caller may see (as <see cref="ListAsync"/>), in id order after <paramref name="afterId"/>: stable pages for the API.</summary>
    public async Task<IReadOnlyList<ProjectSummary>> ListPageAsync(Caller caller, long? afterId, int take, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Projects.AsNoTracking();
        if (!caller.IsAdmin)
        {
            query = query.Where(p => p.Members.Any(m => m.UserId == caller.UserId));
        }
        if (afterId is { } after)
        {
            query = query.Where(p => p.Id > after);
        }
        return await query.OrderBy(p => p.Id).Take(take)
            .Select(p => new ProjectSummary(p.Id, p.Name, p.Kind, p.ItemCount, p.LabeledCount, p.CreatedUtc))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Members with their role, by e-mail, from position <paramref name="offset"/> (admins only).</summary>
    public async Task<IReadOnlyList<ProjectMemberView>> ListMemberViewsAsync(
        Caller caller, int projectId, int offset, int take, CancellationToken cancellationToken = default)
    {
        RequireAdmin(caller);
        await EnsureAccessAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ProjectMembers.AsNoTracking().Where(m => m.ProjectId == projectId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m.UserId, u.Email, m.AddedUtc })
            .OrderBy(x => x.Email).ThenBy(x => x.UserId)
            .Skip(offset).Take(take)
            .Select(x => new
            {
                x.UserId,
                x.Email,
                x.AddedUtc,
                Role = db.UserRoles.Where(r => r.UserId == x.UserId).Join(db.Roles, r => r.RoleId, r => r.Id, (_, r) => r.Name).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken);
        return [.. rows.Select(r => new ProjectMemberView(r.UserId, r.Email ?? "", r.Role ?? "", r.AddedUtc))];
    }

    /// <summary>Every membership of every project with the member's e-mail, for the admin page (admins only).</summary>
    public async Task<IReadOnlyList<(int ProjectId, string UserId, string Email)>> ListAllMembersAsync(Caller caller, CancellationToken cancellationToken = default)
    {
        RequireAdmin(caller);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ProjectMembers.AsNoTracking()
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m.ProjectId, u.Id, u.Email })
            .OrderBy(x => x.ProjectId).ThenBy(x => x.Email)
            .ToListAsync(cancellationToken);
        return rows.Select(r => (r.ProjectId, r.Id, r.Email ?? "")).ToList();
    }

    internal static void RequireAdmin(Caller caller)
    {
        if (!caller.IsAdmin)
        {
            throw new AccessDeniedException("Only admins can do this.");
        }
    }

    private static void Validate(ProjectInput input)
    {
        var errors = ProjectRules.Validate(input);
        if (errors.Count > 0)
        {
            throw new DomainValidationException(errors);
        }
    }

    private static LabelClass ToEntity(LabelSpec spec, int order) => new()
    {
        Name = spec.Name,
        Hotkey = NormalizeHotkey(spec.Hotkey),
        Color = string.IsNullOrEmpty(spec.Color) ? ProjectRules.DefaultColor(order) : spec.Color,
        Order = order,
    };

    private static string? NormalizeHotkey(string? hotkey) => string.IsNullOrEmpty(hotkey) ? null : hotkey.ToLowerInvariant();
}
