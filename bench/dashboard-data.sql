-- Builds one large image project for bench/dashboard.sh, straight in SQL (generate_series), in the proportions of a
-- project some weeks into labeling: :items items; about 8% labeled with overlap 2 on a quarter of them, 0.3% in
-- review (half decided by a reviewer), 0.2% skipped; 30 model versions with audit metrics; the active version's
-- ranking over every open item; 200 job runs; 30 live leases. Needs the accounts bench/dashboard.sh creates.
\set ON_ERROR_STOP on
\timing on

SELECT "Id" AS admin FROM "AspNetUsers" WHERE "Email" = 'bench-admin@example.org' \gset

INSERT INTO "Projects" ("Name", "Kind", "Instructions", "Overlap", "AllowHorizontalFlip", "ItemCount", "LabeledCount", "CreatedUtc", "UpdatedUtc",
    "LeaseMinutes", "RetrainEvery", "RetrainGrowthPercent", "RetrainIntervalMinutes", "CommitteeSize", "Strategy", "LoopLabelCount",
    "BatchSize", "LabelBudget", "ColdStartLabelsPerClass", "AuditPercent", "PretrainEnabled", "TextModel", "TrainingSteps", "FineTuneMode",
    "PretrainItemCount")
VALUES ('bench-1m', 'Image', 'Pick the garment.', 2, true, :items, 0, now() - interval '40 days', now(),
    10, 20, 0, 0, 5, 'margin', 0, 50, 150000, 3, 5, true, 'Linear', 0, 'FineTune', 0)
RETURNING "Id" AS project \gset

INSERT INTO "LabelClasses" ("ProjectId", "Name", "Hotkey", "Color", "Order")
SELECT :project, name, NULL, (ARRAY['#1f77b4','#ff7f0e','#2ca02c','#d62728','#9467bd','#8c564b','#e377c2','#7f7f7f','#bcbd22','#17becf'])[ord], ord - 1
FROM unnest(ARRAY['t-shirt','trouser','pullover','dress','coat','sandal','shirt','sneaker','bag','ankle-boot']) WITH ORDINALITY AS l(name, ord);

CREATE TEMP TABLE annotators AS
SELECT row_number() OVER (ORDER BY "Email") - 1 AS n, "Id" AS id FROM "AspNetUsers" WHERE "Email" LIKE 'bench-annotator-%';
INSERT INTO "ProjectMembers" ("ProjectId", "UserId", "AddedUtc") SELECT :project, id, now() FROM annotators;
SELECT count(*) AS people FROM annotators \gset

CREATE TEMP TABLE names AS SELECT ord - 1 AS k, name FROM unnest(ARRAY['t-shirt','trouser','pullover','dress','coat','sandal','shirt','sneaker','bag','ankle-boot']) WITH ORDINALITY AS l(name, ord);

-- Items: i % 1000 picks the state: < 80 labeled, 80-82 in review, 83-84 skipped, the rest open.
INSERT INTO "Items" ("ProjectId", "ContentHash", "BlobHash", "MediaType", "Text", "ExternalId", "MetaJson", "Status", "GroundTruth", "FinalLabel", "AnnotationCount", "IsAudit", "CreatedUtc")
SELECT :project, h, h, 'image/png', NULL, 'pool/' || i || '.png', '{}',
       CASE WHEN i % 1000 < 80 THEN 'Labeled' WHEN i % 1000 < 83 THEN 'InReview' WHEN i % 1000 < 85 THEN 'Skipped' ELSE 'Unlabeled' END,
       n.name,
       CASE WHEN i % 1000 < 80 THEN n.name END,
       CASE WHEN i % 1000 < 80 THEN 1 + (i % 4 = 0)::int WHEN i % 1000 < 83 THEN 2 ELSE 0 END,
       FALSE,
       now() - interval '40 days'
FROM generate_series(1, :items) AS i
CROSS JOIN LATERAL (SELECT md5(i::text) || md5((i + 1)::text) AS h) AS hash
JOIN names n ON n.k = i % 10;

SELECT min("Id") AS first_item FROM "Items" WHERE "ProjectId" = :project \gset

-- Model versions 1..30: labels grow, audit accuracy flattens, stop-set agreement climbs.
INSERT INTO "ModelVersions" ("ProjectId", "Version", "ArtifactPath", "Strategy", "LabelCount", "MetricsJson", "IsActive", "CreatedUtc")
SELECT :project, v, 'models/bench/v' || v, 'margin', v * v * 90,
       json_build_object(
           'auditAccuracy', round((0.9 - 0.5 * exp(-v / 6.0))::numeric, 4),
           'auditItems', v * v * 9,
           'auditConfusion', (SELECT json_agg((SELECT json_agg(CASE WHEN t = p THEN 80 + v ELSE (t * 7 + p * 3 + v) % 9 END ORDER BY p) FROM generate_series(0, 9) p) ORDER BY t) FROM generate_series(0, 9) t),
           'stopSetAgreement', round((1 - 0.4 * exp(-v / 5.0))::numeric, 4),
           'strategyUsed', 'margin')::text,
       v = 30, now() - make_interval(days => 30 - v)
FROM generate_series(1, 30) AS v;

SELECT "Id" AS active FROM "ModelVersions" WHERE "ProjectId" = :project AND "Version" = 30 \gset
SELECT "Id" AS previous FROM "ModelVersions" WHERE "ProjectId" = :project AND "Version" = 29 \gset

-- The previous version's predictions on the items labeled since (the suggestions annotators saw).
INSERT INTO "Predictions" ("ItemId", "ModelVersionId", "Label", "Probabilities", "Score", "Rank", "ReasonJson")
SELECT i."Id", :previous, n.name, ARRAY[0.55, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]::real[], 0.5, NULL, '{}'
FROM "Items" i JOIN names n ON n.k = (i."Id" * 3) % 10
WHERE i."ProjectId" = :project AND i."Status" <> 'Unlabeled';

-- The active ranking: every open item, scored and ranked.
INSERT INTO "Predictions" ("ItemId", "ModelVersionId", "Label", "Probabilities", "Score", "Rank", "ReasonJson")
SELECT id, :active, n.name, ARRAY[0.3, 0.25, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]::real[], score,
       row_number() OVER (ORDER BY score DESC, id), '{"strategy":"margin"}'
FROM (SELECT "Id" AS id, ((hashint4("Id"::int) & 65535) / 65536.0) AS score FROM "Items" WHERE "ProjectId" = :project AND "Status" = 'Unlabeled') AS open
JOIN names n ON n.k = id % 10;

-- First labels: one per labeled or reviewed item, spread over the last 30 days, 4-40 s each, a sixth without a suggestion.
INSERT INTO "Annotations" ("ItemId", "ProjectId", "UserId", "Label", "WasSkipped", "Comment", "IsGroundTruth", "LeadTimeSeconds", "ParentPredictionId", "IdempotencyKey", "CreatedUtc")
SELECT i."Id", :project, a.id,
       CASE WHEN i."Status" = 'Labeled' THEN i."FinalLabel" ELSE (SELECT name FROM names WHERE k = i."Id" % 10) END,
       false, NULL, false, 4 + (i."Id" % 37), CASE WHEN i."Id" % 6 = 0 THEN NULL ELSE p."Id" END, NULL,
       now() - make_interval(days => (i."Id" % 30)::int, secs => (i."Id" % 86400)::int)
FROM "Items" i
JOIN annotators a ON a.n = i."Id" % :people
LEFT JOIN "Predictions" p ON p."ItemId" = i."Id" AND p."ModelVersionId" = :previous
WHERE i."ProjectId" = :project AND i."Status" IN ('Labeled', 'InReview');

-- Second labels: a quarter of the labeled items (agreeing) and every item in review (disagreeing).
INSERT INTO "Annotations" ("ItemId", "ProjectId", "UserId", "Label", "WasSkipped", "Comment", "IsGroundTruth", "LeadTimeSeconds", "ParentPredictionId", "IdempotencyKey", "CreatedUtc")
SELECT i."Id", :project, a.id,
       CASE WHEN i."Status" = 'Labeled' THEN i."FinalLabel" ELSE (SELECT name FROM names WHERE k = (i."Id" + 1) % 10) END,
       false, NULL, false, 6 + (i."Id" % 29), NULL, NULL,
       now() - make_interval(days => (i."Id" % 30)::int, secs => (i."Id" % 80000)::int)
FROM "Items" i
JOIN annotators a ON a.n = (i."Id" + 1) % :people
WHERE i."ProjectId" = :project AND ((i."Status" = 'Labeled' AND i."AnnotationCount" = 2) OR i."Status" = 'InReview');

-- A reviewer decided half of the disagreements (the items stay InReview here; only the counts matter).
INSERT INTO "Annotations" ("ItemId", "ProjectId", "UserId", "Label", "WasSkipped", "Comment", "IsGroundTruth", "LeadTimeSeconds", "ParentPredictionId", "IdempotencyKey", "CreatedUtc")
SELECT i."Id", :project, :'admin', (SELECT name FROM names WHERE k = i."Id" % 10), false, NULL, true, 0, NULL, NULL, now() - interval '1 hour'
FROM "Items" i WHERE i."ProjectId" = :project AND i."Status" = 'InReview' AND i."Id" % 2 = 0;

-- Skips: three per skipped item.
INSERT INTO "Annotations" ("ItemId", "ProjectId", "UserId", "Label", "WasSkipped", "Comment", "IsGroundTruth", "LeadTimeSeconds", "ParentPredictionId", "IdempotencyKey", "CreatedUtc")
SELECT i."Id", :project, a.id, NULL, true, 'unclear', false, 3, NULL, NULL, now() - make_interval(days => (i."Id" % 30)::int)
FROM "Items" i CROSS JOIN generate_series(0, 2) s JOIN annotators a ON a.n = (i."Id" + s) % :people
WHERE i."ProjectId" = :project AND i."Status" = 'Skipped';

UPDATE "Projects" SET "LabeledCount" = (SELECT count(*) FROM "Items" WHERE "ProjectId" = :project AND "Status" = 'Labeled'),
    "LoopLabelCount" = (SELECT count(*) FROM "Items" WHERE "ProjectId" = :project AND "Status" = 'Labeled')
WHERE "Id" = :project;

-- Live leases: 30 open items out with annotators.
INSERT INTO "ItemLeases" ("ProjectId", "ItemId", "UserId", "LeasedUtc", "ExpiresUtc", "PredictionId")
SELECT :project, i."Id", a.id, now(), now() + interval '10 minutes', NULL
FROM (SELECT "Id" FROM "Items" WHERE "ProjectId" = :project AND "Status" = 'Unlabeled' ORDER BY "Id" LIMIT 30) i
JOIN annotators a ON a.n = i."Id" % :people;

INSERT INTO "JobRuns" ("ProjectId", "Kind", "Status", "Progress", "Message", "Error", "Node", "ParametersJson", "RequestedByUserId", "CreatedUtc", "StartedUtc", "FinishedUtc")
SELECT :project, 'Train', CASE WHEN j % 17 = 0 THEN 'Failed' WHEN j % 23 = 0 THEN 'Cancelled' ELSE 'Succeeded' END,
       100, 'Trained', CASE WHEN j % 17 = 0 THEN 'Out of memory' END, 'bench-node/1', '{}', NULL,
       now() - make_interval(hours => 200 - j), now() - make_interval(hours => 200 - j), now() - make_interval(hours => 200 - j, secs => -30)
FROM generate_series(1, 200) AS j;

INSERT INTO "LoopSettingChanges" ("ProjectId", "UserId", "Setting", "OldValue", "NewValue", "ChangedUtc")
VALUES (:project, :'admin', 'strategy', 'entropy', 'margin', now() - interval '20 days'),
       (:project, :'admin', 'overlap', '1', '2', now() - interval '19 days');

VACUUM ANALYZE;
