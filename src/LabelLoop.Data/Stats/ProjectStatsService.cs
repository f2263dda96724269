using System.Globalization;
using System.Data;
using System.Text.Json;
using LabelLoop.Core;
using LabelLoop.Core.Accounts;
using LabelLoop.Core.Items;
using LabelLoop.Core.Metrics;
using LabelLoop.Core.Projects;
using LabelLoop.Core.Strategies;
using LabelLoop.Data.Projects;
using LabelLoop.Data.Providers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LabelLoop.Data.Stats;

/// <summary>
/// Every number the dashboard and the stats API show, computed in SQL aggregates (no query loads the rows of
/// items or annotations) and combined with the pure metrics in <c>LabelLoop.Core.Metrics</c>. Pages and
/// endpoints both call this service, so they share the arithmetic.
/// </summary>
/// <remarks>Admins read every project; reviewers the projects they are members of; annotators none.</remarks>
public sealed class ProjectStatsService(IDbContextFactory<LabelLoopDbContext> contextFactory, ProjectService projects, TimeProvider time)
{
    /// <summary>Days the per-day charts cover, ending today (UTC).</summary>
    public const int DefaultDays = 30;

    /// <summary>Open items listed as the most useful to label next.</summary>
    public const int UncertainItems = 20;

    // Versions on the learning curve: the newest ones, so a very long-running project still reads one page of rows.
    private const int MaxCurvePoints = 1000;

    /// <summary>Throws unless the caller may read the project's statistics: admins, and reviewers who are members.</summary>
    public async Task EnsureCanReadAsync(Caller caller, int projectId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await projects.EnsureAccessAsync(caller, projectId, cancellationToken);
        if (!caller.IsAdmin && !caller.IsReviewer)
        {
            throw new AccessDeniedException("Only admins and reviewers can see the dashboard.");
        }
    }

    public async Task<ProjectStats> GetStatsAsync(Caller caller, int projectId, int days = DefaultDays, CancellationToken cancellationToken = default) =>
        new(await GetOverviewAsync(caller, projectId, days, cancellationToken), await GetModelAsync(caller, projectId, cancellationToken));

    public async Task<ProjectOverview> GetOverviewAsync(Caller caller, int projectId, int days = DefaultDays, CancellationToken cancellationToken = default)
    {
        await EnsureCanReadAsync(caller, projectId, cancellationToken);
        days = Math.Clamp(days, 1, 366);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        await using var transaction = await BeginReadAsync(db, cancellationToken);
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId)
            .Select(p => new { p.Name, p.LabelBudget, p.ItemCount }).SingleAsync(cancellationToken);

        // Open items are the project's item counter minus the rest: counting them would walk the whole pool, while
        // the other states are index ranges a few percent its size.
        ItemStatus[] closed = [ItemStatus.Labeled, ItemStatus.Skipped, ItemStatus.InReview];
        var byStatus = await db.Items.Where(i => i.ProjectId == projectId && closed.Contains(i.Status))
            .GroupBy(i => i.Status).Select(g => new { Status = g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(g => g.Status, g => g.Count, cancellationToken);
        byStatus[ItemStatus.Unlabeled] = Math.Max(0, project.ItemCount - byStatus.Values.Sum());
        // Live leases on open items: served to someone, not answered yet.
        var leased = await db.Database.SqlQuery<long>($"""
            SELECT count(DISTINCT l."ItemId") AS "Value"
            FROM "ItemLeases" l JOIN "Items" i ON i."Id" = l."ItemId"
            WHERE l."ProjectId" = {projectId} AND l."ExpiresUtc" > {now} AND i."Status" = 'Unlabeled'
            """).SingleAsync(cancellationToken);
        long Count(ItemStatus s) => byStatus.GetValueOrDefault(s);
        var open = Count(ItemStatus.Unlabeled);
        var states = new StateCounts(byStatus.Values.Sum(), open - Math.Min(open, leased), Math.Min(open, leased),
            Count(ItemStatus.Labeled), Count(ItemStatus.Skipped), Count(ItemStatus.InReview));

        var labels = await db.LabelClasses.AsNoTracking().Where(l => l.ProjectId == projectId).OrderBy(l => l.Order)
            .Select(l => new { l.Name, l.Color }).ToListAsync(cancellationToken);
        var final = await db.Items.Where(i => i.ProjectId == projectId && i.Status == ItemStatus.Labeled && i.FinalLabel != null)
            .GroupBy(i => i.FinalLabel!).Select(g => new { Label = g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(g => g.Label, g => g.Count, StringComparer.Ordinal, cancellationToken);
        var distribution = labels.Select(l => new LabelCount(l.Name, l.Color, final.GetValueOrDefault(l.Name))).ToList();
        // Labels no longer in the label set still count (a label is removed only when unused, but history can differ).
        distribution.AddRange(final.Where(f => labels.All(l => l.Name != f.Key)).Select(f => new LabelCount(f.Key, "#6c757d", f.Value)));

        var totals = await db.Database.SqlQuery<AnnotationTotals>($"""
            SELECT count(*) FILTER (WHERE NOT "WasSkipped" AND NOT "IsGroundTruth") AS "Labels", count(*) AS "All"
            FROM "Annotations" WHERE "ProjectId" = {projectId}
            """).SingleAsync(cancellationToken);
        var today = DateOnly.FromDateTime(now);
        var since = today.AddDays(1 - days).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var dialect = DatabaseDialect.Of(db);
        var perDaySql = $$"""
            SELECT {{dialect.DayOf("\"CreatedUtc\"")}} AS "Day", count(*) AS "Count"
            FROM "Annotations"
            WHERE "ProjectId" = {0} AND "CreatedUtc" >= {1} AND NOT "WasSkipped" AND NOT "IsGroundTruth"
            GROUP BY 1
            """;
        var perDay = await db.Database.SqlQueryRaw<DayRow>(perDaySql, projectId, since)
            .ToDictionaryAsync(r => r.Day, r => r.Count, cancellationToken);
        var labelsPerDay = DayRange(today, days).Select(d => new DayCount(d, perDay.GetValueOrDefault(d))).ToList();

        var budget = project.LabelBudget is { } b
            ? new BudgetStatus(b, totals.Labels, Math.Max(0, b - totals.Labels))
            : new BudgetStatus(null, totals.Labels, null);
        return new ProjectOverview(projectId, project.Name, states, distribution, labelsPerDay, budget, totals.All, now);
    }

    /// <summary>The project's name and counters, for page headers: one row, no counting.</summary>
    public async Task<ProjectHeader> GetHeaderAsync(Caller caller, int projectId, CancellationToken cancellationToken = default)
    {
        await EnsureCanReadAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.Projects.AsNoTracking().Where(p => p.Id == projectId)
            .Select(p => new ProjectHeader(p.Id, p.Name, p.ItemCount, p.LabeledCount, p.Kind)).SingleAsync(cancellationToken);
    }

    /// <summary>The number of the version annotators are served from, or null before the first training: one indexed row.</summary>
    public async Task<int?> GetActiveVersionAsync(Caller caller, int projectId, CancellationToken cancellationToken = default)
    {
        await EnsureCanReadAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.ModelVersions.AsNoTracking().Where(v => v.ProjectId == projectId && v.IsActive)
            .OrderByDescending(v => v.Version).Select(v => (int?)v.Version).FirstOrDefaultAsync(cancellationToken);
    }

    public async Task<ModelOverview> GetModelAsync(Caller caller, int projectId, CancellationToken cancellationToken = default)
    {
        await EnsureCanReadAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await BeginReadAsync(db, cancellationToken);
        var versions = await db.ModelVersions.AsNoTracking().Where(v => v.ProjectId == projectId)
            .OrderByDescending(v => v.Version).Take(MaxCurvePoints)
            .Select(v => new { v.Id, v.Version, v.LabelCount, v.Strategy, v.MetricsJson, v.IsActive, v.CreatedUtc })
            .ToListAsync(cancellationToken);
        versions.Reverse();
        var parsed = versions.Select(v => (Version: v, Metrics: VersionMetrics.Parse(v.MetricsJson))).ToList();
        var curve = parsed.Select(p => new CurvePoint(p.Version.Version, p.Version.LabelCount, p.Metrics.AuditAccuracy, p.Metrics.AuditItems,
            p.Metrics.StopSetAgreement, p.Metrics.StrategyUsed ?? p.Version.Strategy, p.Version.IsActive, p.Version.CreatedUtc)).ToList();
        var stopping = StoppingSignal.Evaluate(curve.Select(c => new VersionSignal(c.Version, c.StopSetAgreement, c.AuditAccuracy)).ToList());

        CurrentModel? current = null;
        IReadOnlyList<UncertainItem> uncertain = [];
        var active = parsed.FirstOrDefault(p => p.Version.IsActive);
        if (active.Version is not null)
        {
            var labels = await db.LabelClasses.AsNoTracking().Where(l => l.ProjectId == projectId)
                .OrderBy(l => l.Order).ThenBy(l => l.Id).Select(l => l.Name).ToListAsync(cancellationToken);
            var matrix = ConfusionMatrix.TryCreate(labels, active.Metrics.AuditConfusion);
            current = new CurrentModel(active.Version.Version, active.Version.LabelCount, active.Metrics.StrategyUsed ?? active.Version.Strategy,
                active.Metrics.AuditAccuracy ?? matrix?.Accuracy, active.Metrics.AuditItems, active.Version.CreatedUtc,
                matrix?.PerClass() ?? [], matrix is null ? null : new ConfusionTable(matrix.Labels, matrix.Counts));
            uncertain = await MostUncertainAsync(db, active.Version.Id, cancellationToken);
        }
        var (encoder, noEncoder) = await EncoderAsync(db, projectId, cancellationToken);
        if (encoder is not null && current is null)
        {
            // The cold-start order's items (a few hundred at most, on a partial index) still waiting for a label.
            var open = await db.Items.AsNoTracking()
                .CountAsync(i => i.ProjectId == projectId && i.ColdStartRank != null && i.Status == ItemStatus.Unlabeled, cancellationToken);
            encoder = encoder with { ColdStartOpen = open };
        }
        return new ModelOverview(curve, current, stopping, encoder, noEncoder, uncertain);
    }

    /// <summary>The encoder the project's models start from (the training job's rule: pretraining on, a model that reads one), or why there is none.</summary>
    private static async Task<(EncoderQuality? Encoder, EncoderAbsence Why)> EncoderAsync(LabelLoopDbContext db, int projectId, CancellationToken cancellationToken)
    {
        var setup = await db.Projects.AsNoTracking().Where(p => p.Id == projectId)
            .Select(p => new { p.PretrainEnabled, p.Kind, p.TextModel }).SingleAsync(cancellationToken);
        if (!setup.PretrainEnabled)
        {
            return (null, EncoderAbsence.PretrainingOff);
        }
        if (!Project.ModelsReadAnEncoder(setup.Kind, setup.TextModel))
        {
            return (null, EncoderAbsence.LinearTextModel);
        }
        var active = await db.EncoderVersions.AsNoTracking().Where(e => e.ProjectId == projectId && e.IsActive)
            .Select(e => new { e.Version, e.ItemCount, e.MetricsJson, e.CreatedUtc }).FirstOrDefaultAsync(cancellationToken);
        if (active is null)
        {
            return (null, EncoderAbsence.NotYetPretrained);
        }
        var metrics = EncoderMetrics.Parse(active.MetricsJson);
        return (new EncoderQuality(active.Version, active.ItemCount, metrics.Epochs, metrics.KnnAccuracy, metrics.LinearProbeAccuracy,
            metrics.QualityItems, metrics.QualitySource, active.CreatedUtc), EncoderAbsence.None);
    }

    public async Task<AnnotatorStats> GetAnnotatorsAsync(Caller caller, int projectId, int days = DefaultDays, CancellationToken cancellationToken = default)
    {
        await EnsureCanReadAsync(caller, projectId, cancellationToken);
        days = Math.Clamp(days, 1, 366);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await BeginReadAsync(db, cancellationToken);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var since = today.AddDays(1 - days).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var (work, medians, daily) = DatabaseDialect.Of(db).Provider == DatabaseProvider.Postgres
            ? await AggregatePerPersonAsync(db, projectId, since, cancellationToken)
            : await ScanPerPersonAsync(db, projectId, since, cancellationToken);
        // Each label on an item a reviewer decided, against the decision. The decisions (few) drive the join: SQLite
        // keeps a CROSS JOIN's order (otherwise it walked every label and looked for a decision, 18x slower at 1M
        // items); PostgreSQL plans it as the inner join it is.
        var reviews = await db.Database.SqlQuery<AgreementCountRow>($"""
            SELECT a."UserId", count(*) AS "Items", count(*) FILTER (WHERE a."Label" = g."Label") AS "Agreed"
            FROM "Annotations" g CROSS JOIN "Annotations" a
            WHERE a."ItemId" = g."ItemId" AND g."ProjectId" = {projectId} AND g."IsGroundTruth"
              AND NOT a."IsGroundTruth" AND NOT a."WasSkipped"
            GROUP BY a."UserId"
            """).ToDictionaryAsync(r => r.UserId, cancellationToken);
        var emails = await EmailsAsync(db, work.Select(w => w.UserId), cancellationToken);

        var rows = work.Select(w =>
        {
            var review = reviews.GetValueOrDefault(w.UserId);
            return new AnnotatorRow(w.UserId, emails.GetValueOrDefault(w.UserId, w.UserId), w.Labels, w.Skips, medians.GetValueOrDefault(w.UserId),
                review?.Items ?? 0, Share(review?.Agreed ?? 0, review?.Items ?? 0), w.Suggested, Share(w.AgreedWithModel, w.Suggested),
                // A raw query's times skip the model's UTC converter; SQLite hands them back unspecified.
                w.LastActiveUtc is { } last ? DateTime.SpecifyKind(last, DateTimeKind.Utc) : null);
        }).OrderByDescending(r => r.Labels).ThenBy(r => r.Email, StringComparer.Ordinal).ToList();
        var range = DayRange(today, days).ToList();
        var activity = rows.Select(r =>
        {
            var mine = daily.Where(d => d.UserId == r.UserId).ToDictionary(d => d.Day, d => d.Count);
            return new AnnotatorActivity(r.Email, range.Select(d => mine.GetValueOrDefault(d)).ToList());
        }).ToList();
        return new AnnotatorStats(rows, range, activity);
    }

    public async Task<AgreementStats> GetAgreementAsync(Caller caller, int projectId, CancellationToken cancellationToken = default)
    {
        await EnsureCanReadAsync(caller, projectId, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await BeginReadAsync(db, cancellationToken);
        var (cells, ratings) = DatabaseDialect.Of(db).Provider == DatabaseProvider.Postgres
            ? await AggregateAgreementAsync(db, projectId, cancellationToken)
            : await ScanAgreementAsync(db, projectId, cancellationToken);
        var emails = await EmailsAsync(db, cells.SelectMany(c => new[] { c.First, c.Second }), cancellationToken);
        var pairs = cells.GroupBy(c => (c.First, c.Second)).Select(g =>
        {
            var items = g.Sum(c => c.Count);
            var agreed = g.Where(c => c.FirstLabel == c.SecondLabel).Sum(c => c.Count);
            return new PairAgreement(emails.GetValueOrDefault(g.Key.First, g.Key.First), emails.GetValueOrDefault(g.Key.Second, g.Key.Second),
                items, (double)agreed / items, Agreement.CohensKappa(g.Select(c => (c.FirstLabel, c.SecondLabel, c.Count))));
        }).OrderByDescending(p => p.Items).ThenBy(p => p.First, StringComparer.Ordinal).ThenBy(p => p.Second, StringComparer.Ordinal).ToList();
        return new AgreementStats(ratings.Items, Agreement.FleissKappa(ratings), Agreement.KrippendorffAlpha(ratings), pairs);
    }

    /// <summary>PostgreSQL: the pair cells and the rating summary of <see cref="GetAgreementAsync"/>, in SQL.</summary>
    private static async Task<(List<PairCellRow> Cells, RatingSummary Ratings)> AggregateAgreementAsync(
        LabelLoopDbContext db, int projectId, CancellationToken cancellationToken)
    {
        // Per pair of annotators, a contingency table as (label, label, items) cells, for Cohen's kappa. A plain
        // self-join: the planner runs it in parallel, which a shared CTE would prevent (3-10x slower, measured).
        var cells = await db.Database.SqlQuery<PairCellRow>($"""
            SELECT a."UserId" AS "First", b."UserId" AS "Second", a."Label" AS "FirstLabel", b."Label" AS "SecondLabel", count(*) AS "Count"
            FROM "Annotations" a JOIN "Annotations" b ON b."ItemId" = a."ItemId" AND a."UserId" < b."UserId"
            WHERE a."ProjectId" = {projectId} AND b."ProjectId" = {projectId}
              AND NOT a."WasSkipped" AND NOT b."WasSkipped" AND NOT a."IsGroundTruth" AND NOT b."IsGroundTruth"
            GROUP BY 1, 2, 3, 4
            """).ToListAsync(cancellationToken);
        // Fleiss and Krippendorff need only items grouped by (raters, agreeing rater pairs) and the ratings per
        // category, over items with two or more ratings. Integer sums: bigint sums would go through numeric.
        var summary = await db.Database.SqlQuery<RatingRow>($"""
            WITH per_label AS (
                SELECT "ItemId", "Label", CAST(count(*) AS int) AS n
                FROM "Annotations"
                WHERE "ProjectId" = {projectId} AND NOT "WasSkipped" AND NOT "IsGroundTruth"
                GROUP BY "ItemId", "Label"),
            per_item AS (
                SELECT "ItemId", CAST(sum(n) AS int) AS raters, CAST(sum(n * (n - 1)) AS bigint) AS agreeing
                FROM per_label GROUP BY "ItemId" HAVING sum(n) >= 2)
            SELECT 'unit' AS "Kind", raters AS "Raters", agreeing AS "AgreeingPairs", count(*) AS "Count"
            FROM per_item GROUP BY raters, agreeing
            UNION ALL
            SELECT 'category', 0, 0, CAST(sum(l.n) AS bigint)
            FROM per_label l JOIN per_item i ON i."ItemId" = l."ItemId"
            GROUP BY l."Label"
            """).ToListAsync(cancellationToken);
        return (cells, new RatingSummary(
            summary.Where(r => r.Kind == "unit").Select(r => new UnitGroup(r.Raters, r.AgreeingPairs, r.Count)).ToList(),
            summary.Where(r => r.Kind == "category").Select(r => r.Count).ToList()));

    }

    /// <summary>
    /// SQLite: the same from one pass over the project's labels in item order, summed here; SQLite ran the self-join
    /// as one index probe per label (0.5 s at 1M items).
    /// </summary>
    private static async Task<(List<PairCellRow> Cells, RatingSummary Ratings)> ScanAgreementAsync(
        LabelLoopDbContext db, int projectId, CancellationToken cancellationToken)
    {
        var cells = new Dictionary<(string First, string Second, string FirstLabel, string SecondLabel), long>();
        var units = new Dictionary<(int Raters, long Agreeing), long>();
        var categories = new Dictionary<string, long>(StringComparer.Ordinal);
        // Grouped here rather than sorted by item in SQL: the item index would fetch every row at random.
        var items = new Dictionary<long, List<(string UserId, string Label)>>();
        await using var command = DatabaseDialect.Command(db.Database, """
            SELECT "ItemId", "UserId", "Label" FROM "Annotations"
            WHERE "ProjectId" = @project AND NOT "WasSkipped" AND NOT "IsGroundTruth" AND "Label" IS NOT NULL
            """, ("@project", projectId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var itemId = reader.GetInt64(0);
            if (!items.TryGetValue(itemId, out var item))
            {
                items.Add(itemId, item = []);
            }
            item.Add((reader.GetString(1), reader.GetString(2)));
        }
        foreach (var item in items.Values)
        {
            AddItem(item);
        }
        var rows = cells.Select(c => new PairCellRow
        {
            First = c.Key.First,
            Second = c.Key.Second,
            FirstLabel = c.Key.FirstLabel,
            SecondLabel = c.Key.SecondLabel,
            Count = c.Value,
        }).ToList();
        return (rows, new RatingSummary(
            [.. units.Select(u => new UnitGroup(u.Key.Raters, u.Key.Agreeing, u.Value))],
            [.. categories.Values]));

        void AddItem(List<(string UserId, string Label)> item)
        {
            if (item.Count >= 2)
            {
                for (var i = 0; i < item.Count; i++)
                {
                    for (var j = 0; j < item.Count; j++)
                    {
                        if (string.CompareOrdinal(item[i].UserId, item[j].UserId) < 0)
                        {
                            var key = (item[i].UserId, item[j].UserId, item[i].Label, item[j].Label);
                            cells[key] = cells.GetValueOrDefault(key) + 1;
                        }
                    }
                }
                long agreeing = 0;
                foreach (var group in item.GroupBy(r => r.Label, StringComparer.Ordinal))
                {
                    var n = group.Count();
                    agreeing += (long)n * (n - 1);
                    categories[group.Key] = categories.GetValueOrDefault(group.Key) + n;
                }
                var unit = (item.Count, agreeing);
                units[unit] = units.GetValueOrDefault(unit) + 1;
            }
        }
    }

    /// <summary>
    /// A read-only snapshot for one panel's queries, so its numbers agree with each other, with room for the
    /// aggregates' hash tables (the server default of 4 MB sends a 100,000-label project's grouping to disk).
    /// </summary>
    private static Task<IDbContextTransaction> BeginReadAsync(LabelLoopDbContext db, CancellationToken cancellationToken) =>
        DatabaseDialect.Of(db).BeginSnapshotAsync(db.Database, cancellationToken);

    /// <summary>
    /// PostgreSQL: per person, the label counts, agreement with the model's suggestion, last activity, median time
    /// per label and labels per day, as three aggregate queries the planner runs in parallel.
    /// </summary>
    private static async Task<(List<AnnotatorWorkRow> Work, Dictionary<string, double?> Medians, List<UserDayRow> Daily)> AggregatePerPersonAsync(
        LabelLoopDbContext db, int projectId, DateTime since, CancellationToken cancellationToken)
    {
        var work = await db.Database.SqlQuery<AnnotatorWorkRow>($"""
            SELECT a."UserId",
                   count(*) FILTER (WHERE NOT a."WasSkipped") AS "Labels",
                   count(*) FILTER (WHERE a."WasSkipped") AS "Skips",
                   count(p."Id") FILTER (WHERE NOT a."WasSkipped") AS "Suggested",
                   count(*) FILTER (WHERE NOT a."WasSkipped" AND a."Label" = p."Label") AS "AgreedWithModel",
                   max(a."CreatedUtc") AS "LastActiveUtc"
            FROM "Annotations" a LEFT JOIN "Predictions" p ON p."Id" = a."ParentPredictionId"
            WHERE a."ProjectId" = {projectId} AND NOT a."IsGroundTruth"
            GROUP BY a."UserId"
            """).ToListAsync(cancellationToken);
        // A separate pass: the median sorts each person's times, and sorting the joined rows above would cost more.
        var medians = await db.Database.SqlQuery<MedianRow>($"""
            SELECT "UserId", percentile_cont(0.5) WITHIN GROUP (ORDER BY "LeadTimeSeconds") AS "MedianSeconds"
            FROM "Annotations"
            WHERE "ProjectId" = {projectId} AND NOT "IsGroundTruth" AND NOT "WasSkipped"
            GROUP BY "UserId"
            """).ToDictionaryAsync(r => r.UserId, r => r.MedianSeconds, cancellationToken);
        var dailySql = $$"""
            SELECT "UserId", {{DatabaseDialect.Of(db).DayOf("\"CreatedUtc\"")}} AS "Day", count(*) AS "Count"
            FROM "Annotations"
            WHERE "ProjectId" = {0} AND "CreatedUtc" >= {1} AND NOT "IsGroundTruth"
            GROUP BY 1, 2
            """;
        var daily = await db.Database.SqlQueryRaw<UserDayRow>(dailySql, projectId, since).ToListAsync(cancellationToken);
        return (work, medians, daily);
    }

    /// <summary>
    /// SQLite: the same figures as <see cref="AggregatePerPersonAsync"/> from one pass over the project's labels,
    /// summed here. SQLite runs a query on one core and has no ordered-set aggregate; its planner walked a per-person
    /// index and fetched each row at random for every one of the three queries (1.5 s for the annotators tab at 1M
    /// items; one sequential pass takes about a tenth of that). Memory: one lead time per label.
    /// </summary>
    private static async Task<(List<AnnotatorWorkRow> Work, Dictionary<string, double?> Medians, List<UserDayRow> Daily)> ScanPerPersonAsync(
        LabelLoopDbContext db, int projectId, DateTime since, CancellationToken cancellationToken)
    {
        var people = new Dictionary<string, PersonScan>(StringComparer.Ordinal);
        var days = new Dictionary<(string UserId, string Day), long>();
        // Plain ADO.NET: at a million items the rows pass through EF's shaper at about twice the cost of reading them.
        // Times stay text (SQLite's ISO form sorts as it reads); only each person's latest and each day are parsed.
        await using var command = DatabaseDialect.Command(db.Database, """
            SELECT a."UserId", a."WasSkipped", a."Label", a."LeadTimeSeconds", a."CreatedUtc", p."Label",
                   CASE WHEN a."CreatedUtc" >= @since THEN date(a."CreatedUtc") END
            FROM "Annotations" a LEFT JOIN "Predictions" p ON p."Id" = a."ParentPredictionId"
            WHERE a."ProjectId" = @project AND NOT a."IsGroundTruth"
            """, ("@project", projectId), ("@since", since));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var userId = reader.GetString(0);
            var created = reader.GetString(4);
            if (!people.TryGetValue(userId, out var person))
            {
                person = new PersonScan(new AnnotatorWorkRow { UserId = userId }, created);
                people.Add(userId, person);
            }
            var row = person.Work;
            if (reader.GetBoolean(1))
            {
                row.Skips++;
            }
            else
            {
                row.Labels++;
                person.Times.Add(reader.GetDouble(3));
                if (!reader.IsDBNull(5))
                {
                    row.Suggested++;
                    row.AgreedWithModel += !reader.IsDBNull(2) && reader.GetString(2) == reader.GetString(5) ? 1 : 0;
                }
            }
            if (string.CompareOrdinal(created, person.LastActive) > 0)
            {
                person.LastActive = created;
            }
            if (!reader.IsDBNull(6))
            {
                var key = (userId, reader.GetString(6));
                days[key] = days.GetValueOrDefault(key) + 1;
            }
        }
        foreach (var person in people.Values)
        {
            person.Work.LastActiveUtc = DateTime.Parse(person.LastActive, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        }
        var medians = people.ToDictionary(p => p.Key, p => Median(p.Value.Times), StringComparer.Ordinal);
        var daily = days.Select(d => new UserDayRow
        {
            UserId = d.Key.UserId,
            Day = DateOnly.ParseExact(d.Key.Day, "yyyy-MM-dd", CultureInfo.InvariantCulture),
            Count = d.Value,
        }).ToList();
        return ([.. people.Values.Select(p => p.Work)], medians, daily);

        static double? Median(List<double> times)
        {
            if (times.Count == 0)
            {
                return null;
            }
            times.Sort();
            var middle = times.Count / 2;
            return times.Count % 2 == 1 ? times[middle] : (times[middle - 1] + times[middle]) / 2;
        }
    }

    private static async Task<IReadOnlyList<UncertainItem>> MostUncertainAsync(LabelLoopDbContext db, int versionId, CancellationToken cancellationToken)
    {
        // The ranking's index walk, skipping items labeled since the version was published.
        var rows = await db.Predictions.AsNoTracking()
            .Where(p => p.ModelVersionId == versionId && p.Rank != null)
            .Join(db.Items.Where(i => i.Status == ItemStatus.Unlabeled), p => p.ItemId, i => i.Id, (p, i) => new { p, i.Text })
            .OrderBy(x => x.p.Rank)
            .Take(UncertainItems)
            .Select(x => new { x.p.ItemId, x.p.Rank, x.p.Score, x.p.Label, x.p.Probabilities, x.Text })
            .ToListAsync(cancellationToken);
        return rows.Select(r => new UncertainItem(r.ItemId, r.Rank ?? 0, r.Score, r.Label, r.Probabilities.Length == 0 ? 0 : r.Probabilities.Max(),
            r.Text is { Length: > 160 } text ? text[..160] : r.Text)).ToList();
    }

    private static async Task<Dictionary<string, string>> EmailsAsync(LabelLoopDbContext db, IEnumerable<string> userIds, CancellationToken cancellationToken)
    {
        var ids = userIds.Distinct(StringComparer.Ordinal).ToList();
        return await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id))
            .ToDictionaryAsync(u => u.Id, u => u.Email ?? u.Id, StringComparer.Ordinal, cancellationToken);
    }

    private static IEnumerable<DateOnly> DayRange(DateOnly today, int days) => Enumerable.Range(0, days).Select(i => today.AddDays(i + 1 - days));

    private static double? Share(long part, long whole) => whole == 0 ? null : (double)part / whole;

    /// <summary>
    /// What the dashboard reads from a version's <c>MetricsJson</c> (camelCase). Every field is optional: older
    /// versions lack the newer ones, and a field of the wrong type reads as missing.
    /// </summary>
    internal sealed record VersionMetrics(double? AuditAccuracy, int? AuditItems, int[][]? AuditConfusion, double? StopSetAgreement, string? StrategyUsed)
    {
        private static readonly VersionMetrics Empty = new(null, null, null, null, null);

        public static VersionMetrics Parse(string? json) => MetricsJson.Read(json, Empty, root =>
            new VersionMetrics(MetricsJson.Number(root, "auditAccuracy"), MetricsJson.Integer(root, "auditItems"), Matrix(root, "auditConfusion"),
                MetricsJson.Number(root, "stopSetAgreement"), MetricsJson.Text(root, "strategyUsed")));

        private static int[][]? Matrix(JsonElement root, string name)
        {
            if (!root.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Array)
            {
                return null;
            }
            var rows = new List<int[]>();
            foreach (var row in v.EnumerateArray())
            {
                if (row.ValueKind != JsonValueKind.Array)
                {
                    return null;
                }
                var cells = new List<int>();
                foreach (var cell in row.EnumerateArray())
                {
                    if (cell.ValueKind != JsonValueKind.Number || !cell.TryGetInt32(out var n))
                    {
                        return null;
                    }
                    cells.Add(n);
                }
                rows.Add([.. cells]);
            }
            return [.. rows];
        }
    }

    /// <summary>What the dashboard reads from an encoder version's <c>MetricsJson</c> (camelCase), optional field by field.</summary>
    internal sealed record EncoderMetrics(int? Epochs, double? KnnAccuracy, double? LinearProbeAccuracy, int? QualityItems, string? QualitySource)
    {
        private static readonly EncoderMetrics Empty = new(null, null, null, null, null);

        public static EncoderMetrics Parse(string? json) => MetricsJson.Read(json, Empty, root =>
            new EncoderMetrics(MetricsJson.Integer(root, "epochs"), MetricsJson.Number(root, "knnAccuracy"), MetricsJson.Number(root, "linearProbeAccuracy"),
                MetricsJson.Integer(root, "qualityItems"), MetricsJson.Text(root, "qualitySource")));
    }

    /// <summary>
    /// Reads a metrics object stored as JSON. Every field is optional: older rows lack the newer ones, and a field of
    /// the wrong type, or text that is not a JSON object, reads as missing.
    /// </summary>
    private static class MetricsJson
    {
        public static T Read<T>(string? json, T empty, Func<JsonElement, T> read)
        {
            if (string.IsNullOrWhiteSpace(json))
            {
                return empty;
            }
            try
            {
                using var doc = JsonDocument.Parse(json);
                return doc.RootElement.ValueKind == JsonValueKind.Object ? read(doc.RootElement) : empty;
            }
            catch (JsonException)
            {
                return empty;
            }
        }

        public static double? Number(JsonElement root, string name) =>
            root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d) ? d : null;

        public static int? Integer(JsonElement root, string name) =>
            root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

        public static string? Text(JsonElement root, string name) =>
            root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    // Row shapes of the raw SQL above: EF maps columns to these properties by name.
    private sealed class AnnotationTotals
    {
        public long Labels { get; set; }

        public long All { get; set; }
    }

    private sealed class DayRow
    {
        public DateOnly Day { get; set; }

        public long Count { get; set; }
    }

    /// <summary>One person's running totals in <see cref="ScanPerPersonAsync"/>.</summary>
    private sealed class PersonScan(AnnotatorWorkRow work, string lastActive)
    {
        public AnnotatorWorkRow Work { get; } = work;

        public List<double> Times { get; } = [];

        /// <summary>The latest label's time, as SQLite stores it (ISO text, which sorts as it reads).</summary>
        public string LastActive { get; set; } = lastActive;
    }

    private sealed class UserDayRow
    {
        public string UserId { get; set; } = "";

        public DateOnly Day { get; set; }

        public long Count { get; set; }
    }

    private sealed class AnnotatorWorkRow
    {
        public string UserId { get; set; } = "";

        public long Labels { get; set; }

        public long Skips { get; set; }

        public long Suggested { get; set; }

        public long AgreedWithModel { get; set; }

        public DateTime? LastActiveUtc { get; set; }
    }

    private sealed class MedianRow
    {
        public string UserId { get; set; } = "";

        public double? MedianSeconds { get; set; }
    }

    private sealed class AgreementCountRow
    {
        public string UserId { get; set; } = "";

        public long Items { get; set; }

        public long Agreed { get; set; }
    }

    private sealed class PairCellRow
    {
        public string First { get; set; } = "";

        public string Second { get; set; } = "";

        public string FirstLabel { get; set; } = "";

        public string SecondLabel { get; set; } = "";

        public long Count { get; set; }
    }

    private sealed class RatingRow
    {
        public string Kind { get; set; } = "";

        public int Raters { get; set; }

        public long AgreeingPairs { get; set; }

        public long Count { get; set; }
    }
}
