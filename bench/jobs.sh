#!/usr/bin/env bash
# Measures the learning loop of `labelloop serve` (web + jobs in one process) on the 10,000-item Fashion-MNIST
# sample, labeling through the HTTP API as an annotator would:
#   1. threshold-to-ranking: the label that crosses the retrain threshold (20 new labels) is answered; how long
#      until the project's active ranking (what /next serves) is the new model version. One figure per round.
#   2. job-system overhead: "retrain now" on a tiny project whose training fails at once (no labels), so the
#      run is pure scheduling: StartedUtc - CreatedUtc of the job-run row, enqueue to start.
# Usage: bench/jobs.sh [ROUNDS] [OVERHEAD_SAMPLES]   (after `make build`; prints each figure and the medians)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
samples=${2:-15}
cli="dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll"
db=labelloop_bench_jobs
cs="Host=/var/run/postgresql;Database=$db"
port=5091
base="http://127.0.0.1:$port"
work=$(mktemp -d)
jar="$work/cookies"
out=bench/out/jobs
mkdir -p "$out"

q() { psql -h /var/run/postgresql -d "$db" -tAq -c "$1"; }
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
$cli users add --db "$cs" --data-dir "$work/data" --email bench@example.org --password Bench-password-1 --role admin >/dev/null
# The API takes the sign-in cookie for reads only; labeling and "retrain now" go with a personal access token.
pat=$($cli tokens create --db "$cs" --data-dir "$work/data" --email bench@example.org --scopes admin --name bench | tail -n 1)
$cli serve --urls "$base" --db "$cs" --data-dir "$work/data" >"$work/serve.log" 2>&1 &
serve_pid=$!
cleanup() {
  kill "$serve_pid" 2>/dev/null || true
  wait "$serve_pid" 2>/dev/null || true
  psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo -n "waiting for the sample import..."
until [ "$(q 'SELECT COALESCE(MAX("ItemCount"), 0) FROM "Projects"' 2>/dev/null || echo 0)" = "10000" ]; do sleep 1; done
until curl -sf -o /dev/null "$base/login"; do sleep 0.5; done
echo " done"
project=$(q "SELECT \"Id\" FROM \"Projects\" WHERE \"Name\" = 'fashion-mnist'")
echo "project $project: retrain every $(q "SELECT \"RetrainEvery\" FROM \"Projects\" WHERE \"Id\" = $project") labels, committee $(q "SELECT \"CommitteeSize\" FROM \"Projects\" WHERE \"Id\" = $project"), strategy $(q "SELECT \"Strategy\" FROM \"Projects\" WHERE \"Id\" = $project")"

token=$(curl -s -c "$jar" -b "$jar" "$base/login" | grep -o 'name="__RequestVerificationToken"[^>]*' | sed -E 's/.*value="([^"]*)".*/\1/')
code=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' "$base/login" \
  --data-urlencode "email=bench@example.org" --data-urlencode "password=Bench-password-1" \
  --data-urlencode "_handler=login" --data-urlencode "__RequestVerificationToken=$token")
[ "$code" = "302" ] || { echo "login failed ($code)"; exit 1; }

# Leases the next item through the API and labels it with its (hidden) ground truth, read from the database.
# Prints the /next response so callers can check which ranking served it.
label_one() {
  local next item label status
  next=$(curl -s -H "Authorization: Bearer $pat" -X POST "$base/api/v1/projects/$project/next")
  item=$(echo "$next" | grep -o '"itemId":[0-9]*' | cut -d: -f2)
  label=$(q "SELECT \"GroundTruth\" FROM \"Items\" WHERE \"Id\" = $item")
  status=$(curl -s -H "Authorization: Bearer $pat" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"itemId\":$item,\"label\":\"$label\"}" "$base/api/v1/projects/$project/annotations")
  [ "$status" = "201" ] || { echo "annotation failed ($status)" >&2; exit 1; }
  echo "$next"
}

active_version() { q "SELECT COALESCE(MAX(\"Version\"), 0) FROM \"ModelVersions\" WHERE \"ProjectId\" = $project AND \"IsActive\""; }

latencies=()
echo "round labels latency_s label_to_enqueue_s enqueue_to_start_s run_s served_by_new_ranking"
for r in $(seq 1 "$rounds"); do
  # Label up to one short of the threshold; the next label crosses it.
  short=$(q "SELECT \"RetrainEvery\" - (\"LabeledCount\" - \"LoopLabelCount\") - 1 FROM \"Projects\" WHERE \"Id\" = $project")
  for _ in $(seq 1 "$short"); do label_one >/dev/null; done
  before=$(active_version)
  label_one >/dev/null
  t0=$(now)
  until [ "$(active_version)" -gt "$before" ]; do sleep 0.05; done
  t1=$(now)
  latency=$(echo "$t1 - $t0" | bc)
  latencies+=("$latency")
  run=$(q "SELECT \"Id\" FROM \"JobRuns\" WHERE \"ProjectId\" = $project ORDER BY \"Id\" DESC LIMIT 1")
  read -r enq start took < <(q "SELECT EXTRACT(EPOCH FROM \"CreatedUtc\") - $t0, EXTRACT(EPOCH FROM \"StartedUtc\" - \"CreatedUtc\"), EXTRACT(EPOCH FROM \"FinishedUtc\" - \"StartedUtc\") FROM \"JobRuns\" WHERE \"Id\" = $run" | tr '|' ' ')
  # The next item an annotator gets must come from a ranking, with its reason (the strategy that ranked it).
  served=$(label_one | grep -q '"strategy":"' && echo yes || echo no)
  printf '%s %s %.2f %.2f %.3f %.2f %s\n' "$r" "$(q "SELECT \"LabeledCount\" FROM \"Projects\" WHERE \"Id\" = $project")" "$latency" "$enq" "$start" "$took" "$served"
done
echo "median threshold-to-ranking: $(printf '%s\n' "${latencies[@]}" | median) s over $rounds rounds"

# Job-system overhead: a tiny project with two unlabeled images; each "retrain now" fails at once on no labels.
mkdir -p "$work/tiny/unlabeled"
echo 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGPQAAAAKgApazFUcwAAAABJRU5ErkJggg==' | base64 -d >"$work/tiny/unlabeled/a.png"
echo 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGM4AQAAygDJmcpdfgAAAABJRU5ErkJggg==' | base64 -d >"$work/tiny/unlabeled/b.png"
$cli import --db "$cs" --data-dir "$work/data" --project tiny --kind image --source "$work/tiny" >/dev/null
tiny=$(q "SELECT \"Id\" FROM \"Projects\" WHERE \"Name\" = 'tiny'")
overheads=()
for _ in $(seq 1 "$samples"); do
  id=$(curl -s -H "Authorization: Bearer $pat" -X POST "$base/api/v1/projects/$tiny/jobs/retrain" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
  until [ -n "$(q "SELECT 1 FROM \"JobRuns\" WHERE \"Id\" = $id AND \"FinishedUtc\" IS NOT NULL")" ]; do sleep 0.05; done
  overheads+=("$(q "SELECT round(EXTRACT(EPOCH FROM \"StartedUtc\" - \"CreatedUtc\") * 1000, 1) FROM \"JobRuns\" WHERE \"Id\" = $id")")
done
echo "enqueue-to-start (ms): ${overheads[*]}"
echo "median enqueue-to-start: $(printf '%s\n' "${overheads[@]}" | median) ms over $samples runs"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -E "now ranks by version" "$work/serve.log" | sed -E 's/^.*(Job run)/\1/' >"$out/last-runs.log" || true
