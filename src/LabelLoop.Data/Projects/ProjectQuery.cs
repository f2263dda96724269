using LabelLoop.Core.Projects;

namespace LabelLoop.Data.Projects;

/// <summary>The column a project list is ordered by.</summary>
public enum ProjectSort
{
    Name,
    Kind,
    Items,
    Labeled,
    Created,
}

/// <summary>A page of the project list: a name filter, an order, and the rows to skip and take (at most 200).</summary>
public sealed record ProjectQuery(string? Search = null, ProjectSort Sort = ProjectSort.Name, bool Descending = false, int Skip = 0, int Take = 25);

/// <summary>One page of projects and how many match the filter in all.</summary>
public sealed record ProjectPage(IReadOnlyList<ProjectSummary> Items, int Total);
