using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Projects;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Data.Tests.Projects;

public sealed class ProjectServiceTests(LabelLoopDataFixture fixture) : IClassFixture<LabelLoopDataFixture>
{
    private readonly ProjectService _projects = fixture.Get<ProjectService>();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string UniqueName(string prefix = "project") => $"{prefix}-{Guid.NewGuid():N}";

    private Task<int> CreateAsync(string name, params LabelSpec[] labels) =>
        _projects.CreateAsync(Caller.System, new ProjectInput(name, ProjectKind.Text, labels), Cancel);

    [Fact]
    public async Task Create_stores_the_project_with_its_labels_in_order()
    {
        var name = UniqueName();

        var id = await _projects.CreateAsync(Caller.System, new ProjectInput(
            $"  {name}  ", ProjectKind.Image, [new LabelSpec("cat", "C", "#112233"), new LabelSpec("dog")], "Be careful.", Overlap: 3, AllowHorizontalFlip: false), Cancel);

        var details = await _projects.GetAsync(Caller.System, id, Cancel);
        Assert.Equal(name, details.Name);
        Assert.Equal(ProjectKind.Image, details.Kind);
        Assert.Equal(("Be careful.", 3, false), (details.Instructions, details.Overlap, details.AllowHorizontalFlip));
        Assert.Equal([new LabelSpec("cat", "c", "#112233"), new LabelSpec("dog", null, ProjectRules.DefaultColor(1))], details.Labels);
        Assert.Equal(new ProjectCounts(0, 0, 0, 0, 0, 0, 0), details.Counts);
    }

    [Fact]
    public async Task Create_refuses_invalid_input_with_field_errors()
    {
        var name = UniqueName();

        var ex = await Assert.ThrowsAsync<DomainValidationException>(() =>
            CreateAsync(name, new LabelSpec("cat", "s"), new LabelSpec("cat")));

        Assert.Equal(2, ex.Errors["labels"].Length);
        await using var db = fixture.CreateContext();
        Assert.False(await db.Projects.AnyAsync(p => p.Name == name, Cancel));
    }

    [Fact]
    public async Task Create_refuses_a_name_that_is_taken()
    {
        var name = UniqueName();
        await CreateAsync(name);

        var ex = await Assert.ThrowsAsync<DomainValidationException>(() => CreateAsync(" " + name));

        Assert.Equal([$"A project named '{name}' already exists."], ex.Errors["name"]);
    }

    [Fact]
    public async Task Only_admins_create_projects()
    {
        var annotator = new Caller("someone", IsAdmin: false);

        await Assert.ThrowsAsync<AccessDeniedException>(() =>
            _projects.CreateAsync(annotator, new ProjectInput(UniqueName(), ProjectKind.Text, []), Cancel));
    }

    [Fact]
    public async Task Update_adds_reorders_and_removes_unused_labels()
    {
        var id = await CreateAsync(UniqueName(), new LabelSpec("a"), new LabelSpec("b", "b"), new LabelSpec("c"));
        var renamed = UniqueName("renamed");

        await _projects.UpdateAsync(Caller.System, id,
            new ProjectInput(renamed, ProjectKind.Text, [new LabelSpec("c", "x", "#000000"), new LabelSpec("a"), new LabelSpec("d")], Overlap: 2), Cancel);

        var details = await _projects.GetAsync(Caller.System, id, Cancel);
        Assert.Equal(renamed, details.Name);
        Assert.Equal(2, details.Overlap);
        Assert.Equal(["c", "a", "d"], details.Labels.Select(l => l.Name));
        Assert.Equal(("x", "#000000"), (details.Labels[0].Hotkey, details.Labels[0].Color));
        // A label that stays keeps its colour when the form sends none.
        Assert.Equal(ProjectRules.DefaultColor(0), details.Labels[1].Color);
    }

    [Fact]
    public async Task Update_refuses_to_remove_a_label_used_by_an_annotation()
    {
        var id = await CreateAsync(UniqueName(), new LabelSpec("keep"), new LabelSpec("used"));
        var userId = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail());
        await AddAnnotatedItemAsync(id, userId, "used");

        var ex = await Assert.ThrowsAsync<DomainValidationException>(() =>
            _projects.UpdateAsync(Caller.System, id, new ProjectInput(UniqueName(), ProjectKind.Text, [new LabelSpec("keep")]), Cancel));

        Assert.Contains("used", Assert.Single(ex.Errors["labels"]), StringComparison.Ordinal);
        var details = await _projects.GetAsync(Caller.System, id, Cancel);
        Assert.Equal(["keep", "used"], details.Labels.Select(l => l.Name));
        Assert.Equal(1, details.Counts.Annotations);
    }

    [Fact]
    public async Task Update_refuses_a_kind_change_once_items_exist()
    {
        var name = UniqueName();
        var id = await CreateAsync(name);
        await using (var db = fixture.CreateContext())
        {
            await db.Projects.Where(p => p.Id == id).ExecuteUpdateAsync(s => s.SetProperty(p => p.ItemCount, 1), Cancel);
        }

        var ex = await Assert.ThrowsAsync<DomainValidationException>(() =>
            _projects.UpdateAsync(Caller.System, id, new ProjectInput(name, ProjectKind.Image, []), Cancel));

        Assert.True(ex.Errors.ContainsKey("kind"));
    }

    [Fact]
    public async Task Update_of_a_missing_project_is_not_found()
    {
        await Assert.ThrowsAsync<NotFoundException>(() =>
            _projects.UpdateAsync(Caller.System, int.MaxValue, new ProjectInput(UniqueName(), ProjectKind.Text, []), Cancel));
    }

    [Fact]
    public async Task An_annotator_lists_only_the_projects_they_are_a_member_of()
    {
        var member = await CreateAsync(UniqueName("member"));
        var other = await CreateAsync(UniqueName("other"));
        var userId = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail());
        await _projects.AddMemberAsync(Caller.System, member, userId, Cancel);

        var listed = await _projects.ListAsync(new Caller(userId, IsAdmin: false), Cancel);

        Assert.Equal([member], listed.Select(p => p.Id));
        Assert.DoesNotContain(other, listed.Select(p => p.Id));
    }

    [Fact]
    public async Task An_admin_lists_every_project_by_name()
    {
        var b = await CreateAsync(UniqueName("zz-b"));
        var a = await CreateAsync(UniqueName("zz-a"));

        var listed = (await _projects.ListAsync(new Caller("any-admin", IsAdmin: true), Cancel)).Select(p => p.Id).ToList();

        Assert.Contains(a, listed);
        Assert.Contains(b, listed);
        Assert.True(listed.IndexOf(a) < listed.IndexOf(b));
    }

    [Fact]
    public async Task Search_pages_filters_and_sorts_the_projects_an_admin_sees()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var ids = new List<int>();
        foreach (var name in new[] { $"search-{tag}-c", $"search-{tag}-a", $"search-{tag}-b" })
        {
            ids.Add(await CreateAsync(name));
        }
        var admin = new Caller("any-admin", IsAdmin: true);

        var first = await _projects.SearchAsync(admin, new ProjectQuery($"SEARCH-{tag}", Take: 2), Cancel);
        var second = await _projects.SearchAsync(admin, new ProjectQuery($"  Search-{tag.ToUpperInvariant()}  ", Skip: 2, Take: 2), Cancel);
        var descending = await _projects.SearchAsync(admin, new ProjectQuery(tag, ProjectSort.Name, Descending: true), Cancel);
        var byCreation = await _projects.SearchAsync(admin, new ProjectQuery(tag, ProjectSort.Created), Cancel);
        var none = await _projects.SearchAsync(admin, new ProjectQuery($"missing-{tag}"), Cancel);

        Assert.Equal(3, first.Total);
        Assert.Equal([$"search-{tag}-a", $"search-{tag}-b"], first.Items.Select(p => p.Name));
        Assert.Equal(3, second.Total);
        Assert.Equal([$"search-{tag}-c"], second.Items.Select(p => p.Name));
        Assert.Equal([ids[0], ids[2], ids[1]], descending.Items.Select(p => p.Id));
        Assert.Equal(ids, byCreation.Items.Select(p => p.Id));
        Assert.Equal((0, 0), (none.Total, none.Items.Count));
    }

    [Fact]
    public async Task Search_shows_a_non_admin_only_the_projects_they_are_a_member_of()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var member = await CreateAsync($"find-{tag}-member");
        await CreateAsync($"find-{tag}-other");
        var userId = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail());
        await _projects.AddMemberAsync(Caller.System, member, userId, Cancel);

        var page = await _projects.SearchAsync(new Caller(userId, IsAdmin: false), new ProjectQuery(tag), Cancel);
        var all = await _projects.SearchAsync(new Caller(userId, IsAdmin: false), new ProjectQuery(), Cancel);

        Assert.Equal(1, page.Total);
        Assert.Equal([member], page.Items.Select(p => p.Id));
        Assert.Equal([member], all.Items.Select(p => p.Id));
    }

    [Fact]
    public async Task EnsureAccess_denies_a_non_member()
    {
        var id = await CreateAsync(UniqueName());
        var userId = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail());
        var caller = new Caller(userId, IsAdmin: false);

        await Assert.ThrowsAsync<AccessDeniedException>(() => _projects.EnsureAccessAsync(caller, id, Cancel));
        await Assert.ThrowsAsync<AccessDeniedException>(() => _projects.GetAsync(caller, id, Cancel));
    }

    [Fact]
    public async Task EnsureAccess_reports_a_missing_project_as_not_found()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => _projects.EnsureAccessAsync(new Caller("x", IsAdmin: false), int.MaxValue, Cancel));
        await Assert.ThrowsAsync<NotFoundException>(() => _projects.EnsureAccessAsync(Caller.System, int.MaxValue, Cancel));
    }

    [Fact]
    public async Task Members_and_admins_have_access()
    {
        var id = await CreateAsync(UniqueName());
        var userId = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail());
        await _projects.AddMemberAsync(Caller.System, id, userId, Cancel);

        await _projects.EnsureAccessAsync(new Caller(userId, IsAdmin: false), id, Cancel);
        await _projects.EnsureAccessAsync(new Caller("not-a-member", IsAdmin: true), id, Cancel);
    }

    [Fact]
    public async Task Membership_can_be_added_twice_and_removed()
    {
        var id = await CreateAsync(UniqueName());
        var email = LabelLoopDataFixture.UniqueEmail();
        var userId = await fixture.CreateUserAsync(email);

        await _projects.AddMemberAsync(Caller.System, id, userId, Cancel);
        await _projects.AddMemberAsync(Caller.System, id, userId, Cancel);
        var members = await _projects.ListMembersAsync(Caller.System, id, Cancel);
        await _projects.RemoveMemberAsync(Caller.System, id, userId, Cancel);

        Assert.Equal([(userId, email)], members);
        Assert.Empty(await _projects.ListMembersAsync(Caller.System, id, Cancel));
        await Assert.ThrowsAsync<AccessDeniedException>(() => _projects.EnsureAccessAsync(new Caller(userId, IsAdmin: false), id, Cancel));
    }

    [Fact]
    public async Task Adding_an_unknown_user_or_to_an_unknown_project_is_not_found()
    {
        var id = await CreateAsync(UniqueName());
        var userId = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail());

        await Assert.ThrowsAsync<NotFoundException>(() => _projects.AddMemberAsync(Caller.System, id, "no-such-user", Cancel));
        await Assert.ThrowsAsync<NotFoundException>(() => _projects.AddMemberAsync(Caller.System, int.MaxValue, userId, Cancel));
        await Assert.ThrowsAsync<AccessDeniedException>(() => _projects.AddMemberAsync(new Caller(userId, IsAdmin: false), id, userId, Cancel));
    }

    [Fact]
    public async Task A_project_is_found_by_its_exact_name()
    {
        var name = UniqueName();
        var id = await CreateAsync(name);

        Assert.Equal(id, await _projects.GetIdByNameAsync(name, Cancel));
        await Assert.ThrowsAsync<NotFoundException>(() => _projects.GetIdByNameAsync(name.ToUpperInvariant(), Cancel));
    }

    [Fact]
    public async Task Counts_group_items_by_status()
    {
        var id = await CreateAsync(UniqueName(), new LabelSpec("used"));
        var userId = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail());
        await AddAnnotatedItemAsync(id, userId, "used");
        await using (var db = fixture.CreateContext())
        {
            db.Items.Add(NewItem(id, "skipped", ItemStatus.Skipped, groundTruth: "used"));
            db.Items.Add(NewItem(id, "review", ItemStatus.InReview));
            db.Items.Add(NewItem(id, "pool", ItemStatus.Unlabeled));
            await db.SaveChangesAsync(Cancel);
        }

        var counts = (await _projects.GetAsync(Caller.System, id, Cancel)).Counts;

        Assert.Equal(new ProjectCounts(Items: 4, Unlabeled: 1, Labeled: 1, Skipped: 1, InReview: 1, WithGroundTruth: 1, Annotations: 1), counts);
    }

    private async Task AddAnnotatedItemAsync(int projectId, string userId, string label)
    {
        await using var db = fixture.CreateContext();
        var item = NewItem(projectId, $"annotated-{Guid.NewGuid():N}", ItemStatus.Labeled);
        item.FinalLabel = label;
        db.Items.Add(item);
        await db.SaveChangesAsync(Cancel);
        db.Annotations.Add(new Annotation { ItemId = item.Id, ProjectId = projectId, UserId = userId, Label = label, CreatedUtc = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc) });
        await db.SaveChangesAsync(Cancel);
    }

    private static Item NewItem(int projectId, string text, ItemStatus status, string? groundTruth = null) => new()
    {
        ProjectId = projectId,
        ContentHash = TestImages.Sha256(System.Text.Encoding.UTF8.GetBytes(text)),
        ExternalId = text,
        Text = text,
        Status = status,
        GroundTruth = groundTruth,
        CreatedUtc = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc),
    };
    [Fact]
    public async Task Delete_removes_the_projects_checkpoints_exports_and_simulation_files_and_leaves_others_alone()
    {
        var doomed = await CreateAsync(UniqueName(), new LabelSpec("a"), new LabelSpec("b"));
        var kept = await CreateAsync(UniqueName(), new LabelSpec("a"), new LabelSpec("b"));
        long simulation;
        await using (var db = fixture.CreateContext())
        {
            var run = new JobRun { ProjectId = doomed, Kind = JobKind.Simulate, Status = JobStatus.Succeeded, CreatedUtc = DateTime.UnixEpoch };
            db.JobRuns.Add(run);
            await db.SaveChangesAsync(Cancel);
            simulation = run.Id;
        }
        string[] doomedFiles =
        [
            Path.Combine(fixture.DataDir.Path, "models", $"project-{doomed}", "run-1", "member-0.ckpt"),
            Path.Combine(fixture.DataDir.Path, "exports", $"project-{doomed}", "export-1.jsonl"),
            Path.Combine(fixture.DataDir.Path, "simulations", $"run-{simulation}", "curves.csv"),
        ];
        var keptFile = Path.Combine(fixture.DataDir.Path, "models", $"project-{kept}", "run-1", "member-0.ckpt");
        foreach (var file in doomedFiles.Append(keptFile))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllTextAsync(file, "x", Cancel);
        }

        await _projects.DeleteAsync(Caller.System, doomed, Cancel);

        Assert.All(doomedFiles, file => Assert.False(Directory.Exists(Path.GetDirectoryName(file)), file));
        Assert.True(File.Exists(keptFile));
        await Assert.ThrowsAsync<NotFoundException>(() => _projects.DeleteAsync(Caller.System, doomed, Cancel));
    }
}
