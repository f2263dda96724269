-- bench/dashboard-data.sql in SQLite's terms, for bench/dashboard.sh on SQLite: the same project, rows and proportions.
-- :items items; about 8% labeled with overlap 2 on a quarter of them, 0.3% in review (half decided by a reviewer),
-- 0.2% skipped; 30 model versions with audit metrics; the active version's ranking over every open item; 200 job runs;
-- 30 live leases. Needs the accounts bench/dashboard.sh creates. Run with the sqlite3 shell, which binds :items:
--   sqlite3 -bail FILE -cmd ".parameter set :items 1000000" < bench/dashboard-data.sqlite.sql
-- Differences from the PostgreSQL script: booleans are 0/1; timestamps are UTC text as EF Core writes them
-- ('yyyy-MM-dd HH:mm:ss', whole seconds here); probabilities are JSON arrays; generate_series is a recursive series;
-- md5 (the 64-hex content hash) and hashint4 (the ranking score) are replaced by Knuth's multiplicative hash, a
-- bijection on 32 bits, so hashes stay unique and scores pseudo-random; the items' insertion order is scrambled on
-- purpose (see Items below). Every count is the same except the reviewer's decisions, which depend on which item
-- gets which Id: about half the items in review on both, not the same half (PostgreSQL's own half depends on its plan).
.timer on
PRAGMA synchronous = OFF;
PRAGMA cache_size = -65536;
BEGIN;

-- The values psql keeps in \gset variables.
CREATE TEMP TABLE vars (admin TEXT, project INTEGER, people INTEGER, active INTEGER, previous INTEGER, now TEXT);
INSERT INTO vars (admin, now) SELECT "Id", datetime('now') FROM "AspNetUsers" WHERE "Email" = 'bench-admin@example.org';

INSERT INTO "Projects" ("Name", "Kind", "Instructions", "Overlap", "AllowHorizontalFlip", "ItemCount", "LabeledCount", "CreatedUtc", "UpdatedUtc",
    "LeaseMinutes", "RetrainEvery", "RetrainGrowthPercent", "RetrainIntervalMinutes", "CommitteeSize", "Strategy", "LoopLabelCount",
    "BatchSize", "LabelBudget", "ColdStartLabelsPerClass", "AuditPercent", "PretrainEnabled", "TextModel", "TrainingSteps", "FineTuneMode",
    "PretrainItemCount")
SELECT 'bench-1m', 'Image', 'Pick the garment.', 2, 1, :items, 0, datetime(now, '-40 days'), now,
    10, 20, 0, 0, 5, 'margin', 0, 50, 150000, 3, 5, 1, 'Linear', 0, 'FineTune', 0
FROM vars;
UPDATE vars SET project = last_insert_rowid();

CREATE TEMP TABLE names (k INTEGER PRIMARY KEY, name TEXT, color TEXT);
INSERT INTO names VALUES (0, 't-shirt', '#1f77b4'), (1, 'trouser', '#ff7f0e'), (2, 'pullover', '#2ca02c'), (3, 'dress', '#d62728'),
    (4, 'coat', '#9467bd'), (5, 'sandal', '#8c564b'), (6, 'shirt', '#e377c2'), (7, 'sneaker', '#7f7f7f'), (8, 'bag', '#bcbd22'),
    (9, 'ankle-boot', '#17becf');

INSERT INTO "LabelClasses" ("ProjectId", "Name", "Hotkey", "Color", "Order")
SELECT project, name, NULL, color, k FROM vars, names ORDER BY k;

CREATE TEMP TABLE annotators (n INTEGER PRIMARY KEY, id TEXT);
INSERT INTO annotators
SELECT row_number() OVER (ORDER BY "Email") - 1, "Id" FROM "AspNetUsers" WHERE "Email" LIKE 'bench-annotator-%';
INSERT INTO "ProjectMembers" ("ProjectId", "UserId", "AddedUtc") SELECT project, id, now FROM vars, annotators;
UPDATE vars SET people = (SELECT count(*) FROM annotators);

-- Items: i % 1000 picks the state: < 80 labeled, 80-82 in review, 83-84 skipped, the rest open. They go in in a
-- scrambled order of i (another 32-bit bijection), so that the item Id, which the statements below use for labels,
-- annotators, scores and review decisions, is unrelated to i, as it is in PostgreSQL (whose join sorts the series by
-- i % 10 with an unstable sort): otherwise predictions would agree with the ground truth and a reviewer would decide
-- two thirds of the disagreements instead of about half.
INSERT INTO "Items" ("ProjectId", "ContentHash", "BlobHash", "MediaType", "Text", "ExternalId", "MetaJson", "Status", "GroundTruth", "FinalLabel", "AnnotationCount", "IsAudit", "CreatedUtc")
WITH RECURSIVE series(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM series WHERE i < :items),
    hashed AS (SELECT i, printf('%08x%056x', (i * 2654435761) % 4294967296, i) AS h, (SELECT name FROM names WHERE k = i % 10) AS name FROM series)
SELECT vars.project, h, h, 'image/png', NULL, 'pool/' || i || '.png', '{}',
       CASE WHEN i % 1000 < 80 THEN 'Labeled' WHEN i % 1000 < 83 THEN 'InReview' WHEN i % 1000 < 85 THEN 'Skipped' ELSE 'Unlabeled' END,
       name,
       CASE WHEN i % 1000 < 80 THEN name END,
       CASE WHEN i % 1000 < 80 THEN 1 + (i % 4 = 0) WHEN i % 1000 < 83 THEN 2 ELSE 0 END,
       0,
       datetime(vars.now, '-40 days')
FROM vars, hashed
ORDER BY (i * 2246822519) % 4294967296;

-- Model versions 1..30: labels grow, audit accuracy flattens, stop-set agreement climbs.
CREATE TEMP TABLE digits (d INTEGER PRIMARY KEY);
INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
INSERT INTO "ModelVersions" ("ProjectId", "Version", "ArtifactPath", "Strategy", "LabelCount", "MetricsJson", "IsActive", "CreatedUtc")
WITH RECURSIVE versions(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM versions WHERE v < 30)
SELECT vars.project, v, 'models/bench/v' || v, 'margin', v * v * 90,
       json_object(
           'auditAccuracy', round(0.9 - 0.5 * exp(-v / 6.0), 4),
           'auditItems', v * v * 9,
           'auditConfusion', (SELECT json_group_array(json(line)) FROM (
               SELECT (SELECT json_group_array(cell) FROM (
                   SELECT CASE WHEN t.d = p.d THEN 80 + v ELSE (t.d * 7 + p.d * 3 + v) % 9 END AS cell FROM digits p ORDER BY p.d)) AS line
               FROM digits t ORDER BY t.d)),
           'stopSetAgreement', round(1 - 0.4 * exp(-v / 5.0), 4),
           'strategyUsed', 'margin'),
       v = 30, datetime(vars.now, '-' || (30 - v) || ' days')
FROM vars, versions;

UPDATE vars SET active = (SELECT "Id" FROM "ModelVersions" WHERE "ProjectId" = vars.project AND "Version" = 30),
    previous = (SELECT "Id" FROM "ModelVersions" WHERE "ProjectId" = vars.project AND "Version" = 29);

-- The previous version's predictions on the items labeled since (the suggestions annotators saw).
INSERT INTO "Predictions" ("ItemId", "ModelVersionId", "Label", "Probabilities", "Score", "Rank", "ReasonJson")
SELECT i."Id", vars.previous, n.name, '[0.55,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05]', 0.5, NULL, '{}'
FROM vars JOIN "Items" i ON i."ProjectId" = vars.project JOIN names n ON n.k = (i."Id" * 3) % 10
WHERE i."Status" <> 'Unlabeled';

-- The active ranking: every open item, scored and ranked.
INSERT INTO "Predictions" ("ItemId", "ModelVersionId", "Label", "Probabilities", "Score", "Rank", "ReasonJson")
SELECT id, vars.active, n.name, '[0.3,0.25,0.1,0.05,0.05,0.05,0.05,0.05,0.05,0.05]', score,
       row_number() OVER (ORDER BY score DESC, id), '{"strategy":"margin"}'
FROM vars,
     (SELECT "Id" AS id, (((("Id" * 2654435761) % 4294967296) >> 16) & 65535) / 65536.0 AS score
      FROM "Items" WHERE "ProjectId" = (SELECT project FROM vars) AND "Status" = 'Unlabeled') AS open
JOIN names n ON n.k = id % 10;

-- First labels: one per labeled or reviewed item, spread over the last 30 days, 4-40 s each, a sixth without a suggestion.
INSERT INTO "Annotations" ("ItemId", "ProjectId", "UserId", "Label", "WasSkipped", "Comment", "IsGroundTruth", "LeadTimeSeconds", "ParentPredictionId", "IdempotencyKey", "CreatedUtc")
SELECT i."Id", vars.project, a.id,
       CASE WHEN i."Status" = 'Labeled' THEN i."FinalLabel" ELSE (SELECT name FROM names WHERE k = i."Id" % 10) END,
       0, NULL, 0, 4 + (i."Id" % 37), CASE WHEN i."Id" % 6 = 0 THEN NULL ELSE p."Id" END, NULL,
       datetime(vars.now, '-' || (i."Id" % 30) || ' days', '-' || (i."Id" % 86400) || ' seconds')
FROM vars
JOIN "Items" i ON i."ProjectId" = vars.project
JOIN annotators a ON a.n = i."Id" % vars.people
LEFT JOIN "Predictions" p ON p."ItemId" = i."Id" AND p."ModelVersionId" = vars.previous
WHERE i."Status" IN ('Labeled', 'InReview');

-- Second labels: a quarter of the labeled items (agreeing) and every item in review (disagreeing).
INSERT INTO "Annotations" ("ItemId", "ProjectId", "UserId", "Label", "WasSkipped", "Comment", "IsGroundTruth", "LeadTimeSeconds", "ParentPredictionId", "IdempotencyKey", "CreatedUtc")
SELECT i."Id", vars.project, a.id,
       CASE WHEN i."Status" = 'Labeled' THEN i."FinalLabel" ELSE (SELECT name FROM names WHERE k = (i."Id" + 1) % 10) END,
       0, NULL, 0, 6 + (i."Id" % 29), NULL, NULL,
       datetime(vars.now, '-' || (i."Id" % 30) || ' days', '-' || (i."Id" % 80000) || ' seconds')
FROM vars
JOIN "Items" i ON i."ProjectId" = vars.project
JOIN annotators a ON a.n = (i."Id" + 1) % vars.people
WHERE (i."Status" = 'Labeled' AND i."AnnotationCount" = 2) OR i."Status" = 'InReview';

-- A reviewer decided half of the disagreements (the items stay InReview here; only the counts matter).
INSERT INTO "Annotations" ("ItemId", "ProjectId", "UserId", "Label", "WasSkipped", "Comment", "IsGroundTruth", "LeadTimeSeconds", "ParentPredictionId", "IdempotencyKey", "CreatedUtc")
SELECT i."Id", vars.project, vars.admin, (SELECT name FROM names WHERE k = i."Id" % 10), 0, NULL, 1, 0, NULL, NULL, datetime(vars.now, '-1 hours')
FROM vars JOIN "Items" i ON i."ProjectId" = vars.project WHERE i."Status" = 'InReview' AND i."Id" % 2 = 0;

-- Skips: three per skipped item.
INSERT INTO "Annotations" ("ItemId", "ProjectId", "UserId", "Label", "WasSkipped", "Comment", "IsGroundTruth", "LeadTimeSeconds", "ParentPredictionId", "IdempotencyKey", "CreatedUtc")
SELECT i."Id", vars.project, a.id, NULL, 1, 'unclear', 0, 3, NULL, NULL, datetime(vars.now, '-' || (i."Id" % 30) || ' days')
FROM vars
JOIN "Items" i ON i."ProjectId" = vars.project
CROSS JOIN (SELECT 0 AS s UNION ALL SELECT 1 UNION ALL SELECT 2) AS s
JOIN annotators a ON a.n = (i."Id" + s.s) % vars.people
WHERE i."Status" = 'Skipped';

UPDATE "Projects" SET "LabeledCount" = (SELECT count(*) FROM "Items" WHERE "ProjectId" = "Projects"."Id" AND "Status" = 'Labeled'),
    "LoopLabelCount" = (SELECT count(*) FROM "Items" WHERE "ProjectId" = "Projects"."Id" AND "Status" = 'Labeled')
WHERE "Id" = (SELECT project FROM vars);

-- Live leases: 30 open items out with annotators.
INSERT INTO "ItemLeases" ("ProjectId", "ItemId", "UserId", "LeasedUtc", "ExpiresUtc", "PredictionId")
SELECT vars.project, i."Id", a.id, vars.now, datetime(vars.now, '+10 minutes'), NULL
FROM vars
JOIN (SELECT "Id" FROM "Items" WHERE "ProjectId" = (SELECT project FROM vars) AND "Status" = 'Unlabeled' ORDER BY "Id" LIMIT 30) i
JOIN annotators a ON a.n = i."Id" % vars.people;

INSERT INTO "JobRuns" ("ProjectId", "Kind", "Status", "Progress", "Message", "Error", "Node", "ParametersJson", "RequestedByUserId", "CreatedUtc", "StartedUtc", "FinishedUtc")
WITH RECURSIVE jobs(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM jobs WHERE j < 200)
SELECT vars.project, 'Train', CASE WHEN j % 17 = 0 THEN 'Failed' WHEN j % 23 = 0 THEN 'Cancelled' ELSE 'Succeeded' END,
       100, 'Trained', CASE WHEN j % 17 = 0 THEN 'Out of memory' END, 'bench-node/1', '{}', NULL,
       datetime(vars.now, '-' || (200 - j) || ' hours'), datetime(vars.now, '-' || (200 - j) || ' hours'),
       datetime(vars.now, '-' || (200 - j) || ' hours', '+30 seconds')
FROM vars, jobs;

INSERT INTO "LoopSettingChanges" ("ProjectId", "UserId", "Setting", "OldValue", "NewValue", "ChangedUtc")
SELECT project, admin, 'strategy', 'entropy', 'margin', datetime(now, '-20 days') FROM vars
UNION ALL
SELECT project, admin, 'overlap', '1', '2', datetime(now, '-19 days') FROM vars;

COMMIT;
ANALYZE;
PRAGMA wal_checkpoint(TRUNCATE);
