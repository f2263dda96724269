#!/usr/bin/env bash
# Builds an N-item text project in a scratch database with SQL (items, a third of them labeled with two annotations
# each, an active model version with a prediction for every item), then times `labelloop export` of it as JSONL and
# CSV under /usr/bin/time -v: wall time, items/s and peak RSS. Runs on each database provider in turn (side by side).
# Usage: bench/export.sh [ITEMS] [RUNS]   (after `make build`; default 1000000 items, 3 runs per format)
# For each provider in BENCH_PROVIDERS (default "sqlite postgres"): SQLite, a file in a temporary data folder filled
# by `sqlite3` (a recursive series); PostgreSQL, the database labelloop_bench_export_ITEMS on the local server filled
# by psql (generate_series), dropped at the end. The CLI creates and migrates either one first.
# Output: one line per run, then medians, each prefixed with the provider; raw files under bench/out/export/ (ignored
# by git). Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
items=${1:-1000000}
runs=${2:-3}
cli="dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll"
pgname="labelloop_bench_export_${items}"
out=bench/out/export
mkdir -p "$out"
data=""
cleanup() {
  psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS $pgname WITH (FORCE)" 2>/dev/null || true
  [ -n "$data" ] && rm -rf "$data"
  data=""
}
trap cleanup EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

fill_postgres() {
  psql -h /var/run/postgresql -d "$pgname" -v ON_ERROR_STOP=1 -q <<SQL
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
}

# The same rows in SQLite's terms: booleans are 0/1, timestamps are UTC text as EF Core writes them
# ('yyyy-MM-dd HH:mm:ss.FFFFFFF'; six fraction digits, as PostgreSQL's now() has, so the exported files come out the
# same size), probabilities are a JSON array, and the 64-hex content hash is a scrambled 32-bit prefix (Knuth's
# multiplicative hash, a bijection on 32 bits) followed by the zero-padded number.
fill_sqlite() {
  sqlite3 -bail "$db" >/dev/null <<SQL
PRAGMA synchronous = OFF;
PRAGMA cache_size = -65536;
BEGIN;
CREATE TEMP TABLE v AS SELECT
  (SELECT "Id" FROM "Projects" WHERE "Name" = 'bench') AS project,
  (SELECT "Id" FROM "AspNetUsers" WHERE "Email" = 'ann1@bench.example') AS u1,
  (SELECT "Id" FROM "AspNetUsers" WHERE "Email" = 'ann2@bench.example') AS u2,
  datetime('now') AS now, substr(strftime('%f', 'now'), 3) || '417' AS frac;
INSERT INTO "Items" ("ProjectId", "ContentHash", "Text", "ExternalId", "MetaJson", "Status", "FinalLabel", "AnnotationCount", "IsAudit", "CreatedUtc")
WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $items - 2)
SELECT v.project, printf('%08x%056x', (g * 2654435761) % 4294967296, g),
       'Generated review number ' || g || ', with a comma, "quotes" and some more words to be realistic.',
       'gen-' || g, '{}',
       CASE WHEN g % 3 = 0 THEN 'Labeled' ELSE 'Unlabeled' END,
       CASE WHEN g % 3 = 0 THEN CASE WHEN g % 2 = 0 THEN 'pos' ELSE 'neg' END END,
       CASE WHEN g % 3 = 0 THEN 2 ELSE 0 END,
       0,
       v.now || v.frac
FROM s, v;
INSERT INTO "Annotations" ("ItemId", "ProjectId", "UserId", "Label", "WasSkipped", "IsGroundTruth", "LeadTimeSeconds", "CreatedUtc")
SELECT i."Id", i."ProjectId", u.id, i."FinalLabel", 0, 0, 1.5 + (i."Id" % 7), datetime(v.now, '-' || (i."Id" % 1000) || ' minutes') || v.frac
FROM "Items" i CROSS JOIN v CROSS JOIN (SELECT u1 AS id FROM v UNION ALL SELECT u2 FROM v) AS u
WHERE i."ProjectId" = v.project AND i."FinalLabel" IS NOT NULL;
INSERT INTO "ModelVersions" ("ProjectId", "Version", "ArtifactPath", "Strategy", "LabelCount", "MetricsJson", "IsActive", "CreatedUtc")
SELECT project, 1, 'models/bench', 'margin', 0, '{}', 1, now || frac FROM v;
INSERT INTO "Predictions" ("ItemId", "ModelVersionId", "Label", "Probabilities", "Score", "Rank", "ReasonJson")
SELECT i."Id", m."Id", CASE WHEN i."Id" % 2 = 0 THEN 'pos' ELSE 'neg' END,
       '[' || ((i."Id" % 100) / 100.0) || ',' || (1 - (i."Id" % 100) / 100.0) || ']', (i."Id" % 997) / 997.0, NULL, '{}'
FROM v JOIN "Items" i ON i."ProjectId" = v.project JOIN "ModelVersions" m ON m."ProjectId" = i."ProjectId";
UPDATE "Projects" SET "ItemCount" = $items, "LabeledCount" = (SELECT count(*) FROM "Items" WHERE "ProjectId" = "Projects"."Id" AND "FinalLabel" IS NOT NULL)
WHERE "Id" = (SELECT project FROM v);
COMMIT;
ANALYZE;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
}

for provider in ${BENCH_PROVIDERS:-sqlite postgres}; do
  data=$(mktemp -d)
  case $provider in
    sqlite) db="$data/labelloop.db" ;;
    postgres)
      db="Host=/var/run/postgresql;Database=$pgname"
      psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS $pgname WITH (FORCE)" ;;
    *) echo "unknown provider $provider (sqlite or postgres)" >&2; exit 1 ;;
  esac
  # The CLI creates and migrates the database, the annotator accounts, and the project with its two labels.
  $cli users add --db "$db" --data-dir "$data" --email "ann1@bench.example" --password "Bench-password-1" --role annotator >/dev/null
  $cli users add --db "$db" --data-dir "$data" --email "ann2@bench.example" --password "Bench-password-1" --role annotator >/dev/null
  printf '{"id":"seed-1","text":"seed one","label":"pos"}\n{"id":"seed-2","text":"seed two","label":"neg"}\n' > "$data/seed.jsonl"
  $cli import --db "$db" --data-dir "$data" --project bench --kind text --source "$data/seed.jsonl" >/dev/null

  start=$(date +%s.%N)
  "fill_$provider"
  end=$(date +%s.%N)
  case $provider in
    sqlite) size="$(stat -c %s "$db" | numfmt --to=iec-i --suffix=B)" ;;
    postgres) size="$(psql -h /var/run/postgresql -d "$pgname" -Atc 'SELECT pg_size_pretty(pg_database_size(current_database()))')" ;;
  esac
  echo "$provider built $items items in $(echo "$end - $start" | bc)s ($size)"

  results="$out/results-$provider-$items.txt"
  : > "$results"
  for format in jsonl csv; do
    for i in $(seq 1 "$runs"); do
      file="$out/bench-$provider-$items.$format"
      log="$out/time-$provider-$items-$format-$i.txt"
      /usr/bin/time -v $cli export --db "$db" --data-dir "$data" --project bench --format "$format" --out "$file" >/dev/null 2>"$log"
      wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
      rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
      rate=$(echo "$items / $wall" | bc)
      echo "$provider $format run $i: ${wall}s, $rate items/s, max RSS $((rss / 1024)) MiB, $(stat -c %s "$file") bytes"
      echo "$format $wall $rate $rss" >> "$results"
    done
  done
  for format in jsonl csv; do
    rows=$(grep "^$format " "$results")
    wall=$(echo "$rows" | awk '{print $2}' | median)
    rate=$(echo "$rows" | awk '{print $3}' | median)
    rss=$(echo "$rows" | awk '{print $4}' | median)
    echo "$provider $format median of $runs: ${wall}s, $rate items/s, max RSS $((rss / 1024)) MiB"
  done
  cleanup
done
