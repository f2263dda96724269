#!/usr/bin/env bash
# Job-system overhead on each database LabelLoop runs on: `labelloop serve` (web and jobs in one process, default
# settings) on a fresh SQLite file and on a fresh PostgreSQL database, a tiny project with two unlabeled images, and
# "retrain now" through the API SAMPLES times. Each run fails at once (no labels), so it is pure scheduling:
# startedUtc - createdUtc of the job run, from our row's insert through the Hangfire enqueue to the runner starting it.
# Usage: bench/jobs-overhead.sh [SAMPLES]   (after `make build`; needs the local PostgreSQL of `make postgres`)
set -euo pipefail
cd "$(dirname "$0")/.."
samples=${1:-15}
cli="dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll"
port=5092
base="http://127.0.0.1:$port"
pgdb=labelloop_bench_overhead
work=$(mktemp -d)
serve_pid=""
cleanup() {
  [ -n "$serve_pid" ] && { kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; }
  psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

mkdir -p "$work/tiny/unlabeled"
echo 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGPQAAAAKgApazFUcwAAAABJRU5ErkJggg==' | base64 -d >"$work/tiny/unlabeled/a.png"
echo 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGM4AQAAygDJmcpdfgAAAABJRU5ErkJggg==' | base64 -d >"$work/tiny/unlabeled/b.png"

echo "machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for provider in sqlite postgres; do
  data="$work/data-$provider"
  if [ "$provider" = sqlite ]; then db="$data/labelloop.db"; else
    psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)"
    db="Host=/var/run/postgresql;Database=$pgdb"
  fi
  $cli users add --db "$db" --data-dir "$data" --email bench@example.org --password Bench-password-1 --role admin >/dev/null
  pat=$($cli tokens create --db "$db" --data-dir "$data" --email bench@example.org --scopes admin --name bench | tail -n 1)
  $cli import --db "$db" --data-dir "$data" --project tiny --kind image --source "$work/tiny" >/dev/null
  $cli serve --urls "$base" --db "$db" --data-dir "$data" --no-sample >"$work/serve-$provider.log" 2>&1 &
  serve_pid=$!
  until curl -sf -o /dev/null "$base/login"; do sleep 0.5; done
  tiny=$(curl -s -H "Authorization: Bearer $pat" "$base/api/v1/projects" | json "[p['id'] for p in d['items'] if p['name']=='tiny'][0]")
  overheads=()
  for _ in $(seq 1 "$samples"); do
    id=$(curl -s -H "Authorization: Bearer $pat" -X POST "$base/api/v1/projects/$tiny/jobs/retrain" | json "d['id']")
    until [ "$(curl -s -H "Authorization: Bearer $pat" "$base/api/v1/jobs/$id" | json "d['finishedUtc'] is not None")" = True ]; do sleep 0.05; done
    overheads+=("$(curl -s -H "Authorization: Bearer $pat" "$base/api/v1/jobs/$id" | json "round((__import__('datetime').datetime.fromisoformat(d['startedUtc'].replace('Z','+00:00')) - __import__('datetime').datetime.fromisoformat(d['createdUtc'].replace('Z','+00:00'))).total_seconds()*1000, 1)")")
  done
  echo "$provider enqueue-to-start (ms): ${overheads[*]}"
  echo "$provider median enqueue-to-start: $(printf '%s\n' "${overheads[@]}" | median) ms over $samples runs"
  kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true; serve_pid=""
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
