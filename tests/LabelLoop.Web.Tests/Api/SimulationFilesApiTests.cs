using System.Net;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Projects;
using LabelLoop.Testing;
using Xunit;

namespace LabelLoop.Web.Tests.Api;

public sealed class SimulationFilesApiTests(LabelLoopWebFactory factory) : IClassFixture<LabelLoopWebFactory>
{
    private readonly ApiKit _kit = new(factory);

    private static CancellationToken Cancel => ApiKit.Cancel;

    private async Task<long> FinishedSimulationAsync(int project, JobStatus status = JobStatus.Succeeded)
    {
        await using var db = factory.Database.CreateContext();
        var run = new JobRun { ProjectId = project, Kind = JobKind.Simulate, Status = status, Message = "Simulated 2 strategies", CreatedUtc = DateTime.UnixEpoch };
        db.JobRuns.Add(run);
        await db.SaveChangesAsync(Cancel);
        var dir = Path.Combine(factory.DataDir.Path, "simulations", $"run-{run.Id}");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "curves.csv"), "strategy,seed,labels,accuracy\nrandom,1,20,0.5\n", Cancel);
        await File.WriteAllTextAsync(Path.Combine(dir, "curves.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>", Cancel);
        await File.WriteAllTextAsync(Path.Combine(dir, "summary.json"), "{}", Cancel);
        return run.Id;
    }

    [Fact]
    public async Task Members_download_a_finished_simulation_s_files_and_nothing_else()
    {
        var (memberId, token) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Read);
        var (_, outsider) = await _kit.AccountAsync(Roles.Annotator, ApiScopes.Read);
        var project = await _kit.ProjectAsync(ProjectKind.Text, memberId);
        var other = await _kit.ProjectAsync(ProjectKind.Text, memberId);
        var run = await FinishedSimulationAsync(project);
        var running = await FinishedSimulationAsync(project, JobStatus.Running);

        using var csv = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/simulations/{run}/curves.csv", token);
        using var svg = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/simulations/{run}/curves.svg", token);
        using var unknown = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/simulations/{run}/secrets.txt", token);
        using var wrongProject = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{other}/simulations/{run}/curves.csv", token);
        using var unfinished = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/simulations/{running}/curves.csv", token);
        using var denied = await _kit.SendAsync(HttpMethod.Get, $"/api/v1/projects/{project}/simulations/{run}/curves.csv", outsider);

        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.StartsWith("strategy,seed,labels,accuracy", await csv.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType?.MediaType);
        Assert.Contains("sandbox", svg.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, wrongProject.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unfinished.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }
}
