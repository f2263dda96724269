using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Annotations;
using LabelLoop.Core.Items;
using LabelLoop.Core.Jobs;
using LabelLoop.Core.Strategies;
using LabelLoop.Core.Models;
using LabelLoop.Core.Predictions;
using LabelLoop.Core.Projects;
using LabelLoop.Data.Jobs;
using LabelLoop.Data.Projects;
using LabelLoop.Data.Stats;
using LabelLoop.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace LabelLoop.Data.Tests.Stats;

/// <summary>
/// The stats service on a real database with a small hand-made project, every number worked out by hand:
///
///   item  state       answers (lead time)                      note
///   i1    Labeled a   u1 a (2 s), u2 a (10 s)                  u1 saw a suggestion "a"
///   i2    InReview    u1 a (4 s), u2 b (6 s); reviewer: b
///   i3    Labeled b   u1 b (4 s), u2 b (1 s)                   u1 saw a suggestion "a"
///   i4    Labeled b   u1 b (8 s), u2 b (3 s)
///   i5    Skipped     u1, u2, u3 skipped
///   i6    Unlabeled   leased to u3 now                         ranked 2nd by the active version
///   i7    Unlabeled                                            ranked 1st
///   i8    Labeled a   u3 a (5 s, yesterday)                    ranked 3rd, but labeled since
/// </summary>
public abstract class ProjectStatsServiceTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : LabelLoopDataFixture
{
    private readonly ProjectStatsService _stats = fixture.Get<ProjectStatsService>();
    private readonly Dictionary<string, long> _items = [];
    private int _project;
    private string _u1 = "", _u2 = "", _u3 = "", _reviewer = "";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static Caller Admin => new("admin-caller", IsAdmin: true);

    public async ValueTask InitializeAsync()
    {
        var projects = fixture.Get<ProjectService>();
        _project = await projects.CreateAsync(Caller.System,
            new ProjectInput($"stats-{Guid.NewGuid():N}", ProjectKind.Text, [new LabelSpec("a"), new LabelSpec("b")], Overlap: 2), Cancel);
        _u1 = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail("u1"));
        _u2 = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail("u2"));
        _u3 = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail("u3"));
        _reviewer = await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail("reviewer"), Roles.Reviewer);
        await projects.AddMemberAsync(Caller.System, _project, _u1, Cancel);
        await projects.AddMemberAsync(Caller.System, _project, _reviewer, Cancel);

        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        await using var db = fixture.CreateContext();
        foreach (var (name, status, final) in new[]
        {
            ("i1", ItemStatus.Labeled, "a"), ("i2", ItemStatus.InReview, null), ("i3", ItemStatus.Labeled, "b"), ("i4", ItemStatus.Labeled, "b"),
            ("i5", ItemStatus.Skipped, null), ("i6", ItemStatus.Unlabeled, null), ("i7", ItemStatus.Unlabeled, null), ("i8", ItemStatus.Labeled, "a"),
        })
        {
            var item = new Item { ProjectId = _project, ContentHash = $"{name}-{Guid.NewGuid():N}", ExternalId = name, Text = $"text of {name}", Status = status, FinalLabel = final, CreatedUtc = now };
            db.Items.Add(item);
            await db.SaveChangesAsync(Cancel);
            _items[name] = item.Id;
        }

        // Imports keep the project's item counter; the overview counts open items from it.
        var project = await db.Projects.FindAsync([_project], Cancel);
        project!.ItemCount = _items.Count;
        var v1 = new ModelVersion { ProjectId = _project, Version = 1, Strategy = "margin", LabelCount = 10, MetricsJson = """{"auditAccuracy":0.5,"auditItems":10}""", CreatedUtc = now };
        var v2 = new ModelVersion { ProjectId = _project, Version = 2, Strategy = "margin", LabelCount = 20, MetricsJson = "not json", CreatedUtc = now };
        var v3 = new ModelVersion
        {
            ProjectId = _project,
            Version = 3,
            Strategy = "margin",
            LabelCount = 30,
            IsActive = true,
            CreatedUtc = now,
            MetricsJson = """{"auditAccuracy":0.75,"auditItems":8,"auditConfusion":[[3,1],[1,3]],"stopSetAgreement":0.9,"strategyUsed":"margin+diverse"}""",
        };
        db.ModelVersions.AddRange(v1, v2, v3);
        await db.SaveChangesAsync(Cancel);
        Prediction Predict(string item, ModelVersion v, string label, double score, int? rank) =>
            new() { ItemId = _items[item], ModelVersionId = v.Id, Label = label, Probabilities = label == "a" ? [0.6f, 0.4f] : [0.45f, 0.55f], Score = score, Rank = rank };
        var shownI1 = Predict("i1", v1, "a", 0.1, null);
        var shownI3 = Predict("i3", v1, "a", 0.1, null);
        db.Predictions.AddRange(shownI1, shownI3, Predict("i6", v3, "b", 0.8, 2), Predict("i7", v3, "a", 0.9, 1), Predict("i8", v3, "a", 0.7, 3));
        await db.SaveChangesAsync(Cancel);

        Annotation Answer(string item, string user, string? label, double lead, long? shown = null, bool review = false, DateTime? at = null) => new()
        {
            ItemId = _items[item],
            ProjectId = _project,
            UserId = user,
            Label = label,
            WasSkipped = label is null,
            IsGroundTruth = review,
            LeadTimeSeconds = lead,
            ParentPredictionId = shown,
            CreatedUtc = at ?? now,
        };
        db.Annotations.AddRange(
            Answer("i1", _u1, "a", 2, shownI1.Id), Answer("i1", _u2, "a", 10),
            Answer("i2", _u1, "a", 4), Answer("i2", _u2, "b", 6), Answer("i2", _reviewer, "b", 0, review: true),
            Answer("i3", _u1, "b", 4, shownI3.Id), Answer("i3", _u2, "b", 1),
            Answer("i4", _u1, "b", 8), Answer("i4", _u2, "b", 3),
            Answer("i5", _u1, null, 1), Answer("i5", _u2, null, 1), Answer("i5", _u3, null, 1),
            Answer("i8", _u3, "a", 5, at: now.AddDays(-1)));
        db.ItemLeases.Add(new ItemLease { ProjectId = _project, ItemId = _items["i6"], UserId = _u3, LeasedUtc = now, ExpiresUtc = now.AddMinutes(10) });
        await db.SaveChangesAsync(Cancel);
        await fixture.Get<LoopSettingsService>().UpdateAsync(Caller.System, _project,
            new LoopSettings(20, 0, 0, 5, "margin", LabelBudget: 10), Cancel);
    }

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Overview_counts_items_by_state_labels_per_day_and_the_budget()
    {
        var overview = await _stats.GetOverviewAsync(Admin, _project, 7, Cancel);

        // 8 items: open i6 (leased) and i7; labeled i1 i3 i4 i8; skipped i5; in review i2.
        Assert.Equal(new StateCounts(8, Unlabeled: 1, Leased: 1, Labeled: 4, Skipped: 1, InReview: 1), overview.States);
        Assert.Equal([("a", 2L), ("b", 2L)], overview.LabelDistribution.Select(l => (l.Label, l.Items)));
        // Labels given: u1 4 + u2 4 + u3 1 = 9 (3 skips and the review decision do not count); budget 10 leaves 1.
        Assert.Equal(new BudgetStatus(10, 9, 1), overview.Budget);
        Assert.Equal(13, overview.Annotations);
        Assert.Equal(7, overview.LabelsPerDay.Count);
        Assert.Equal(8, overview.LabelsPerDay[^1].Count);
        Assert.Equal(1, overview.LabelsPerDay[^2].Count);
        Assert.Equal(DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime), overview.LabelsPerDay[^1].Day);
    }

    [Fact]
    public async Task Annotators_have_labels_skips_median_time_and_agreement_with_review_and_model()
    {
        var stats = await _stats.GetAnnotatorsAsync(Admin, _project, 7, Cancel);

        var rows = stats.Annotators.ToDictionary(r => r.UserId);
        var u1 = rows[_u1];
        var u2 = rows[_u2];
        var u3 = rows[_u3];
        // u1 lead times 2, 4, 4, 8: median (4 + 4) / 2 = 4; u2: 10, 6, 1, 3 -> 1 3 6 10: median (3 + 6) / 2 = 4.5.
        Assert.Equal((4L, 1L, 4.0), (u1.Labels, u1.Skips, u1.MedianSeconds!.Value));
        Assert.Equal((4L, 1L, 4.5), (u2.Labels, u2.Skips, u2.MedianSeconds!.Value));
        Assert.Equal((1L, 1L, 5.0), (u3.Labels, u3.Skips, u3.MedianSeconds!.Value));
        // Review of i2 said b: u1 said a (0 of 1), u2 said b (1 of 1); u3 labeled nothing reviewed.
        Assert.Equal((1L, 0.0), (u1.ReviewedItems, u1.ReviewAgreement!.Value));
        Assert.Equal((1L, 1.0), (u2.ReviewedItems, u2.ReviewAgreement!.Value));
        Assert.Equal(0, u3.ReviewedItems);
        Assert.Null(u3.ReviewAgreement);
        // u1 saw the suggestion "a" on i1 (answered a) and i3 (answered b): 1 of 2.
        Assert.Equal((2L, 0.5), (u1.SuggestedItems, u1.ModelAgreement!.Value));
        Assert.Null(u2.ModelAgreement);
        Assert.DoesNotContain(_reviewer, rows.Keys);
        // The last activity is a UTC time on both providers (the API writes it with a Z).
        Assert.Equal(DateTimeKind.Utc, u1.LastActiveUtc!.Value.Kind);
        // Daily activity: u3's label was yesterday, the rest today; skips count as activity.
        var activity = stats.Activity.ToDictionary(a => a.Email);
        Assert.Equal([1L, 1L], activity[u3.Email].PerDay.TakeLast(2));
        Assert.Equal(5, activity[u1.Email].PerDay[^1]);
        Assert.Equal(7, stats.Days.Count);
    }

    [Fact]
    public async Task Agreement_has_cohens_kappa_per_pair_and_fleiss_and_krippendorff_overall()
    {
        var agreement = await _stats.GetAgreementAsync(Admin, _project, Cancel);

        // Overlapped items: i1..i4 (u1 and u2); i8 has one label, i5 only skips.
        Assert.Equal(4, agreement.OverlappedItems);
        var pair = Assert.Single(agreement.Pairs);
        Assert.Equal(4, pair.Items);
        // (a,a) (a,b) (b,b) (b,b): 3 of 4 agree; kappa = (3/4 - 1/2) / (1 - 1/2) = 0.5 (see AgreementTests).
        Assert.Equal(0.75, pair.RawAgreement, 10);
        Assert.Equal(0.5, pair.Kappa!.Value, 10);
        // Fleiss: P_bar = 3/4, P_e = (3/8)^2 + (5/8)^2 = 34/64: kappa = 7/15.
        Assert.Equal(7.0 / 15, agreement.FleissKappa!.Value, 10);
        // Krippendorff: D_o = 2/8, D_e = (3*5 + 5*3) / (8*7) = 30/56: alpha = 1 - (1/4) / (30/56) = 8/15.
        Assert.Equal(8.0 / 15, agreement.KrippendorffAlpha!.Value, 10);
    }

    [Fact]
    public async Task Model_has_the_learning_curve_the_current_version_and_the_open_items_ranked_first()
    {
        var model = await _stats.GetModelAsync(Admin, _project, Cancel);

        // Version 2's metrics are not JSON: the point stays, without an accuracy.
        Assert.Equal([(1, 10, (double?)0.5), (2, 20, null), (3, 30, 0.75)], model.Curve.Select(c => (c.Version, c.Labels, c.AuditAccuracy)));
        var current = model.Current!;
        Assert.Equal((3, "margin+diverse", 0.75, (int?)8), (current.Version, current.Strategy, current.AuditAccuracy!.Value, current.AuditItems));
        // [[3,1],[1,3]]: precision and recall 3/4 for both classes.
        Assert.Equal([("a", 0.75, 0.75), ("b", 0.75, 0.75)], current.Classes.Select(c => (c.Label, c.Precision!.Value, c.Recall!.Value)));
        Assert.Equal([3, 1], current.Confusion!.Counts[0]);
        // Only one version reports stop-set agreement: not enough for the signal.
        Assert.Equal(StopState.NotEnoughData, model.Stopping.State);
        // A text project on the linear model (the default) reads no encoder.
        Assert.Null(model.Encoder);
        Assert.Equal(EncoderAbsence.LinearTextModel, model.NoEncoder);
        // i8 was ranked 3rd but is labeled now.
        Assert.Equal([(_items["i7"], 1), (_items["i6"], 2)], model.MostUncertain.Select(u => (u.ItemId, u.Rank)));
        Assert.Equal(0.6f, model.MostUncertain[0].Confidence);
        Assert.Equal("text of i7", model.MostUncertain[0].TextPreview);
    }

    [Fact]
    public async Task Reviewers_who_are_members_read_the_stats_annotators_and_outsiders_may_not()
    {
        var reviewer = new Caller(_reviewer, IsAdmin: false, IsReviewer: true);
        var outsider = new Caller(await fixture.CreateUserAsync(LabelLoopDataFixture.UniqueEmail("outsider"), Roles.Reviewer), false, true);

        Assert.Equal(8, (await _stats.GetOverviewAsync(reviewer, _project, cancellationToken: Cancel)).States.Items);
        await Assert.ThrowsAsync<AccessDeniedException>(() => _stats.GetOverviewAsync(new Caller(_u1, false), _project, cancellationToken: Cancel));
        await Assert.ThrowsAsync<AccessDeniedException>(() => _stats.GetAgreementAsync(outsider, _project, Cancel));
        await Assert.ThrowsAsync<NotFoundException>(() => _stats.GetModelAsync(Admin, int.MaxValue, Cancel));
    }

    [Fact]
    public async Task The_model_tab_shows_the_active_encoder_the_models_start_from_or_why_there_is_none()
    {
        var image = await fixture.Get<ProjectService>().CreateAsync(Caller.System,
            new ProjectInput($"encoder-{Guid.NewGuid():N}", ProjectKind.Image, [new LabelSpec("x"), new LabelSpec("y")]), Cancel);
        Assert.Equal((null, EncoderAbsence.NotYetPretrained), await EncoderOfAsync(image));

        var created = new DateTime(2026, 12, 1, 8, 30, 0, DateTimeKind.Utc);
        await using (var db = fixture.CreateContext())
        {
            db.EncoderVersions.Add(new EncoderVersion { ProjectId = image, Version = 1, ArtifactPath = "models/a", ItemCount = 900, MetricsJson = "{}", CreatedUtc = created });
            db.EncoderVersions.Add(new EncoderVersion
            {
                ProjectId = image,
                Version = 2,
                ArtifactPath = "models/b",
                ItemCount = 1200,
                IsActive = true,
                // The pretraining job's fields (camelCase); one of the wrong type reads as missing.
                MetricsJson = """{"epochs":20,"knnAccuracy":0.8125,"linearProbeAccuracy":"high","qualityItems":640,"qualitySource":"ground truth"}""",
                CreatedUtc = created,
            });
            await db.SaveChangesAsync(Cancel);
        }
        // No model and no cold-start order: none of the encoder's typical items is waiting.
        Assert.Equal((new EncoderQuality(2, 1200, 20, 0.8125, null, 640, "ground truth", created, ColdStartOpen: 0), EncoderAbsence.None), await EncoderOfAsync(image));

        // The order the pretraining job wrote: three items, one labeled since; then a model takes over.
        await using (var db = fixture.CreateContext())
        {
            for (var r = 1; r <= 4; r++)
            {
                db.Items.Add(new Item
                {
                    ProjectId = image,
                    ContentHash = Guid.NewGuid().ToString("N"),
                    ExternalId = $"cold-{r}.png",
                    Status = r == 1 ? ItemStatus.Labeled : ItemStatus.Unlabeled,
                    ColdStartRank = r <= 3 ? r : null,
                });
            }
            await db.SaveChangesAsync(Cancel);
        }
        Assert.Equal(2, (await EncoderOfAsync(image)).Item1!.ColdStartOpen);
        await using (var db = fixture.CreateContext())
        {
            db.ModelVersions.Add(new Core.Models.ModelVersion { ProjectId = image, Version = 1, IsActive = true, Strategy = "margin", CreatedUtc = created });
            await db.SaveChangesAsync(Cancel);
        }
        Assert.Null((await EncoderOfAsync(image)).Item1!.ColdStartOpen);

        // Models start from no encoder when pretraining is off, whatever versions exist.
        await using (var db = fixture.CreateContext())
        {
            await db.Projects.Where(p => p.Id == image).ExecuteUpdateAsync(u => u.SetProperty(p => p.PretrainEnabled, false), Cancel);
        }
        Assert.Equal((null, EncoderAbsence.PretrainingOff), await EncoderOfAsync(image));
    }

    private async Task<(EncoderQuality?, EncoderAbsence)> EncoderOfAsync(int project)
    {
        var model = await _stats.GetModelAsync(Admin, project, Cancel);
        return (model.Encoder, model.NoEncoder);
    }

    [Fact]
    public async Task An_empty_project_has_zero_counts_and_no_model()
    {
        var empty = await fixture.Get<ProjectService>().CreateAsync(Caller.System,
            new ProjectInput($"empty-{Guid.NewGuid():N}", ProjectKind.Image, [new LabelSpec("x"), new LabelSpec("y")]), Cancel);

        var stats = await _stats.GetStatsAsync(Admin, empty, cancellationToken: Cancel);
        var annotators = await _stats.GetAnnotatorsAsync(Admin, empty, cancellationToken: Cancel);
        var agreement = await _stats.GetAgreementAsync(Admin, empty, Cancel);

        Assert.Equal(new StateCounts(0, 0, 0, 0, 0, 0), stats.Overview.States);
        Assert.Equal(new BudgetStatus(null, 0, null), stats.Overview.Budget);
        Assert.Empty(stats.Model.Curve);
        Assert.Null(stats.Model.Current);
        Assert.Empty(stats.Model.MostUncertain);
        Assert.Empty(annotators.Annotators);
        Assert.Equal(new AgreementStats(0, null, null, []), agreement with { Pairs = [] });
        Assert.Empty(agreement.Pairs);
    }
}

/// <summary>The tests above on the default provider (SQLite).</summary>
public sealed class ProjectStatsServiceTests(LabelLoopDataFixture fixture) : ProjectStatsServiceTests<LabelLoopDataFixture>(fixture);

/// <summary>The tests above on PostgreSQL.</summary>
public sealed class ProjectStatsServiceTestsOnPostgres(PostgresDataFixture fixture) : ProjectStatsServiceTests<PostgresDataFixture>(fixture);
