#!/usr/bin/env bash
# Builds an N-item text project in a scratch database with SQL (generate_series: items, a third of them labeled
# with two annotations each, an active model version with a prediction for every item), then times
# `labelloop export` of it as JSONL and CSV under /usr/bin/time -v: wall time, items/s and peak RSS.
# Usage: bench/export.sh [ITEMS] [RUNS]   (after `make build`; default 1000000 items, 3 runs per format)
# Output: one line per run, then medians; raw files under bench/out/ (ignored by git). Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
items=${1:-1000000}
runs=${2:-3}
cli="dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll"
db="labelloop_bench_export_${items}"
conn="Host=/var/run/postgresql;Database=$db"
out=bench/out/export
mkdir -p "$out"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
psql_db() { psql -h /var/run/postgresql -d "$db" -v ON_ERROR_STOP=1 -q "$@"; }

psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
# The CLI creates and migrates the database, the annotator accounts, and the project with its two labels.
$cli users add --db "$conn" --data-dir "$data" --email "ann1@bench.example" --password "Bench-password-1" --role annotator >/dev/null
$cli users add --db "$conn" --data-dir "$data" --email "ann2@bench.example" --password "Bench-password-1" --role annotator >/dev/null
printf '{"id":"seed-1","text":"seed one","label":"pos"}\n{"id":"seed-2","text":"seed two","label":"neg"}\n' > "$data/seed.jsonl"
$cli import --db "$conn" --data-dir "$data" --project bench --kind text --source "$data/seed.jsonl" >/dev/null

start=$(date +%s.%N)
psql_db <<SQL
\set items $items
SELECT "Id" AS project FROM "Projects" WHERE "Name" = 'bench' \gset
SELECT "Id" AS u1 FROM "AspNetUsers" WHERE "Email" = 'ann1@bench.example' \gset
SELECT "Id" AS u2 FROM "AspNetUsers" WHERE "Email" = 'ann2@bench.example' \gset
INSERT INTO "Items" ("ProjectId", "ContentHash", "Text", "ExternalId", "MetaJson", "Status", "FinalLabel", "AnnotationCount", "IsAudit", "CreatedUtc")
SELECT :project, md5(g::text) || md5((-g)::text),
       'Generated review number ' || g || ', with a comma, "quotes" and some more words to be realistic.',
       'gen-' || g, '{}',
       CASE WHEN g % 3 = 0 THEN 'Labeled' ELSE 'Unlabeled' END,
       CASE WHEN g % 3 = 0 THEN CASE WHEN g % 2 = 0 THEN 'pos' ELSE 'neg' END END,
       CASE WHEN g % 3 = 0 THEN 2 ELSE 0 END,
       FALSE,
       now()
FROM generate_series(1, :items - 2) g;
INSERT INTO "Annotations" ("ItemId", "ProjectId", "UserId", "Label", "WasSkipped", "IsGroundTruth", "LeadTimeSeconds", "CreatedUtc")
SELECT i."Id", i."ProjectId", u.id, i."FinalLabel", FALSE, FALSE, 1.5 + (i."Id" % 7), now() - (i."Id" % 1000) * interval '1 minute'
FROM "Items" i CROSS JOIN (VALUES (:'u1'), (:'u2')) AS u(id)
WHERE i."ProjectId" = :project AND i."FinalLabel" IS NOT NULL;
INSERT INTO "ModelVersions" ("ProjectId", "Version", "ArtifactPath", "Strategy", "LabelCount", "MetricsJson", "IsActive", "CreatedUtc")
VALUES (:project, 1, 'models/bench', 'margin', 0, '{}', TRUE, now());
INSERT INTO "Predictions" ("ItemId", "ModelVersionId", "Label", "Probabilities", "Score", "Rank", "ReasonJson")
SELECT i."Id", v."Id", CASE WHEN i."Id" % 2 = 0 THEN 'pos' ELSE 'neg' END,
       ARRAY[(i."Id" % 100) / 100.0, 1 - (i."Id" % 100) / 100.0]::real[], (i."Id" % 997) / 997.0, NULL, '{}'
FROM "Items" i JOIN "ModelVersions" v ON v."ProjectId" = i."ProjectId"
WHERE i."ProjectId" = :project;
UPDATE "Projects" SET "ItemCount" = :items, "LabeledCount" = (SELECT count(*) FROM "Items" WHERE "ProjectId" = :project AND "FinalLabel" IS NOT NULL)
WHERE "Id" = :project;
ANALYZE;
SQL
end=$(date +%s.%N)
echo "built $items items in $(echo "$end - $start" | bc)s ($(psql_db -Atc 'SELECT pg_size_pretty(pg_database_size(current_database()))'))"

: > "$out/results-$items.txt"
for format in jsonl csv; do
  for i in $(seq 1 "$runs"); do
    file="$out/bench-$items.$format"
    log="$out/time-$items-$format-$i.txt"
    /usr/bin/time -v $cli export --db "$conn" --data-dir "$data" --project bench --format "$format" --out "$file" >/dev/null 2>"$log"
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    rate=$(echo "$items / $wall" | bc)
    echo "$format run $i: ${wall}s, $rate items/s, max RSS $((rss / 1024)) MiB, $(stat -c %s "$file") bytes"
    echo "$format $wall $rate $rss" >> "$out/results-$items.txt"
  done
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for format in jsonl csv; do
  rows=$(grep "^$format " "$out/results-$items.txt")
  wall=$(echo "$rows" | awk '{print $2}' | median)
  rate=$(echo "$rows" | awk '{print $3}' | median)
  rss=$(echo "$rows" | awk '{print $4}' | median)
  echo "$format median of $runs: ${wall}s, $rate items/s, max RSS $((rss / 1024)) MiB"
done
psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
