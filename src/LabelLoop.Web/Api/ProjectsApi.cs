using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Accounts;
using LabelLoop.Data.Projects;
using LabelLoop.Web.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LabelLoop.Web.Api;

/// <summary>Projects, their label sets and members under <c>/api/v1/projects</c>.</summary>
public static class ProjectsApi
{
    /// <summary>A project in the list: its counters, kept current by every import and label.</summary>
    public sealed record ProjectListItem(int Id, string Name, ProjectKind Kind, ProjectListCounts Counts, DateTime CreatedUtc);

    /// <summary>Items in the pool, items with a final label, and the rest.</summary>
    public sealed record ProjectListCounts(int Items, int Labeled, int Remaining);

    /// <summary>The body of <c>POST /api/v1/projects</c>.</summary>
    public sealed record CreateProjectRequest(
        string Name,
        ProjectKind? Kind,
        IReadOnlyList<LabelSpec>? Labels = null,
        string? Instructions = null,
        int? Overlap = null,
        bool? AllowHorizontalFlip = null,
        int? LeaseMinutes = null);

    /// <summary>The body of <c>PATCH /api/v1/projects/{id}</c>: the fields to change; absent ones keep their value.</summary>
    public sealed record UpdateProjectRequest(
        string? Name = null,
        ProjectKind? Kind = null,
        string? Instructions = null,
        int? Overlap = null,
        bool? AllowHorizontalFlip = null,
        int? LeaseMinutes = null);

    /// <summary>A project's label set, in display and model-class order.</summary>
    public sealed record LabelSet(IReadOnlyList<LabelSpec> Labels);

    /// <summary>The body of <c>POST /api/v1/projects/{id}/members</c>: the account, by id or by e-mail.</summary>
    public sealed record AddMemberRequest(string? UserId = null, string? Email = null);

    public static IEndpointRouteBuilder MapProjectsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/projects").WithTags("Projects");
        api.MapGet("", ListAsync).RequireScope(ApiScopes.Read)
            .WithName("ListProjects").WithSummary("The projects the caller may see, with their counts.");
        api.MapPost("", CreateAsync).RequireScope(ApiScopes.Write)
            .WithName("CreateProject").WithSummary("Creates a project (admins).")
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/{projectId:int}", GetAsync).RequireScope(ApiScopes.Read)
            .WithName("GetProject").WithSummary("A project with its settings, label set and item counts by state.");
        api.MapPatch("/{projectId:int}", UpdateAsync).RequireScope(ApiScopes.Write)
            .WithName("UpdateProject").WithSummary("Changes a project's settings (admins); absent fields keep their value.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapDelete("/{projectId:int}", DeleteAsync).RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy)
            .WithName("DeleteProject").WithSummary("Deletes a project with its items, annotations, predictions, model versions and jobs.");
        api.MapGet("/{projectId:int}/labels", GetLabelsAsync).RequireScope(ApiScopes.Read)
            .WithName("GetLabelSet").WithSummary("The label set.");
        api.MapPut("/{projectId:int}/labels", ReplaceLabelsAsync).RequireScope(ApiScopes.Write)
            .WithName("ReplaceLabelSet")
            .WithSummary("Replaces the label set (admins). Labels are matched by name; one already used by an annotation cannot be removed.");
        api.MapGet("/{projectId:int}/members", ListMembersAsync).RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy)
            .WithName("ListMembers").WithSummary("The accounts that may see the project (admins see every project anyway).");
        api.MapPost("/{projectId:int}/members", AddMemberAsync).RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy)
            .WithName("AddMember").WithSummary("Adds an account to the project; adding a member twice is harmless.");
        api.MapDelete("/{projectId:int}/members/{userId}", RemoveMemberAsync).RequireAuthorization(AccountsServiceCollectionExtensions.AdminPolicy)
            .WithName("RemoveMember").WithSummary("Removes an account from the project; removing a non-member is harmless.");
        return app;
    }

    private static async Task<Ok<Page<ProjectListItem>>> ListAsync(
        HttpContext http, ProjectService projects, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var size = Paging.Limit(limit);
        var rows = await projects.ListPageAsync(http.User.ToCaller(), Paging.After(cursor), Paging.Take(size), cancellationToken);
        var page = Paging.ToPage(rows, size, p => p.Id);
        return TypedResults.Ok(new Page<ProjectListItem>(
            [.. page.Items.Select(p => new ProjectListItem(p.Id, p.Name, p.Kind,
                new ProjectListCounts(p.ItemCount, p.LabeledCount, p.ItemCount - p.LabeledCount), p.CreatedUtc))],
            page.NextCursor));
    }

    private static async Task<Ok<ProjectDetails>> GetAsync(int projectId, HttpContext http, ProjectService projects, CancellationToken cancellationToken) =>
        TypedResults.Ok(await projects.GetAsync(http.User.ToCaller(), projectId, cancellationToken));

    private static async Task<Results<Created<ProjectDetails>, ProblemHttpResult>> CreateAsync(
        CreateProjectRequest request, HttpContext http, ProjectService projects, CancellationToken cancellationToken)
    {
        var caller = http.User.ToCaller();
        RequireAdmin(caller, "Only admins create projects.");
        var input = new ProjectDraft(request.Name, request.Kind, request.Labels, request.Instructions, request.Overlap,
            request.AllowHorizontalFlip, request.LeaseMinutes).ToInput();
        if (await NameTakenAsync(projects, input.Name, null, cancellationToken))
        {
            return NameConflict(input.Name);
        }
        var id = await projects.CreateAsync(caller, input, cancellationToken);
        return TypedResults.Created($"/api/v1/projects/{id}", await projects.GetAsync(caller, id, cancellationToken));
    }

    private static async Task<Results<Ok<ProjectDetails>, ProblemHttpResult>> UpdateAsync(
        int projectId, UpdateProjectRequest request, HttpContext http, ProjectService projects, CancellationToken cancellationToken)
    {
        var caller = http.User.ToCaller();
        var current = await projects.GetAsync(caller, projectId, cancellationToken);
        RequireAdmin(caller, "Only admins change projects.");
        // Labels change through their own endpoint: the draft leaves them out and keeps the current set.
        var input = new ProjectDraft(request.Name, request.Kind, null, request.Instructions, request.Overlap,
            request.AllowHorizontalFlip, request.LeaseMinutes).ToInput(current);
        if (await NameTakenAsync(projects, input.Name, projectId, cancellationToken))
        {
            return NameConflict(input.Name);
        }
        await projects.UpdateAsync(caller, projectId, input, cancellationToken);
        return TypedResults.Ok(await projects.GetAsync(caller, projectId, cancellationToken));
    }

    private static async Task<NoContent> DeleteAsync(int projectId, HttpContext http, ProjectService projects, CancellationToken cancellationToken)
    {
        await projects.DeleteAsync(http.User.ToCaller(), projectId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<LabelSet>> GetLabelsAsync(int projectId, HttpContext http, ProjectService projects, CancellationToken cancellationToken) =>
        TypedResults.Ok(new LabelSet(await projects.GetLabelsAsync(http.User.ToCaller(), projectId, cancellationToken)));

    private static async Task<Ok<LabelSet>> ReplaceLabelsAsync(
        int projectId, LabelSet request, HttpContext http, ProjectService projects, CancellationToken cancellationToken)
    {
        var caller = http.User.ToCaller();
        var current = await projects.GetAsync(caller, projectId, cancellationToken);
        RequireAdmin(caller, "Only admins change label sets.");
        await projects.UpdateAsync(caller, projectId, new ProjectInput(current.Name, current.Kind, request.Labels ?? [],
            current.Instructions, current.Overlap, current.AllowHorizontalFlip, current.LeaseMinutes), cancellationToken);
        return TypedResults.Ok(new LabelSet(await projects.GetLabelsAsync(caller, projectId, cancellationToken)));
    }

    private static async Task<Ok<Page<ProjectMemberView>>> ListMembersAsync(
        int projectId, HttpContext http, ProjectService projects, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        // Members have no numeric key: the cursor carries the position, in e-mail order.
        var size = Paging.Limit(limit);
        var offset = (int)Math.Clamp(Paging.After(cursor) ?? 0, 0, int.MaxValue);
        var rows = await projects.ListMemberViewsAsync(http.User.ToCaller(), projectId, offset, Paging.Take(size), cancellationToken);
        return TypedResults.Ok(rows.Count > size
            ? new Page<ProjectMemberView>([.. rows.Take(size)], Paging.Cursor(offset + size))
            : new Page<ProjectMemberView>(rows, null));
    }

    private static async Task<Ok<ProjectMemberView>> AddMemberAsync(
        int projectId, AddMemberRequest request, HttpContext http, ProjectService projects, UserService users, CancellationToken cancellationToken)
    {
        var caller = http.User.ToCaller();
        var userId = request.UserId;
        if (string.IsNullOrWhiteSpace(userId))
        {
            if (string.IsNullOrWhiteSpace(request.Email))
            {
                throw new DomainValidationException("userId", "Name the account by userId or email.");
            }
            userId = (await users.FindByEmailAsync(request.Email))?.Id
                ?? throw new NotFoundException($"No account has the e-mail address '{request.Email}'.");
        }
        await projects.AddMemberAsync(caller, projectId, userId, cancellationToken);
        var members = await projects.ListMemberViewsAsync(caller, projectId, 0, int.MaxValue, cancellationToken);
        return TypedResults.Ok(members.Single(m => m.UserId == userId));
    }

    private static async Task<NoContent> RemoveMemberAsync(
        int projectId, string userId, HttpContext http, ProjectService projects, CancellationToken cancellationToken)
    {
        var caller = http.User.ToCaller();
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        await projects.RemoveMemberAsync(caller, projectId, userId, cancellationToken);
        return TypedResults.NoContent();
    }

    internal static void RequireAdmin(Caller caller, string message)
    {
        if (!caller.IsAdmin)
        {
            throw new AccessDeniedException(message);
        }
    }

    private static async Task<bool> NameTakenAsync(ProjectService projects, string name, int? except, CancellationToken cancellationToken)
    {
        try
        {
            return await projects.GetIdByNameAsync(name, cancellationToken) != except;
        }
        catch (NotFoundException)
        {
            return false;
        }
    }

    private static ProblemHttpResult NameConflict(string name) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict",
            detail: $"A project named '{ProjectRules.NormalizeName(name)}' already exists.", type: "urn:labelloop:problem:409");
}
