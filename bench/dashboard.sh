#!/usr/bin/env bash
# Times the dashboard pages and the stats API on a project of ITEMS items (default 1,000,000) built in SQL.
# Usage: bench/dashboard.sh [ITEMS] [RUNS]   (after `make build`)
# Creates the scratch database labelloop_bench_dashboard (dropped at the end; KEEP=1 keeps it, and REUSE=1 times
# a kept one again after migrating it, without rebuilding the data), fills it with
# bench/dashboard-data.sql, starts `labelloop serve --no-sample --no-jobs` on 127.0.0.1:5098, logs in as an admin
# and requests every page RUNS times after one warm-up; prints the median HTTP time per page (curl, localhost).
set -euo pipefail
cd "$(dirname "$0")/.."
items=${1:-1000000} runs=${2:-7}
cli="dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll"
name=labelloop_bench_dashboard
db="Host=/var/run/postgresql;Database=$name"
url=http://127.0.0.1:5098
data=$(mktemp -d)
jar="$data/cookies"
psql_=(psql -h /var/run/postgresql -X -q)
reuse=${REUSE:-0}
[ "$reuse" = 1 ] || "${psql_[@]}" -d postgres -c "DROP DATABASE IF EXISTS $name WITH (FORCE)"
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  [ "${KEEP:-0}" = 1 ] || "${psql_[@]}" -d postgres -c "DROP DATABASE IF EXISTS $name WITH (FORCE)"
  rm -rf "$data"
}
trap cleanup EXIT

if [ "$reuse" = 1 ]; then
  # Any command migrates the kept database to this build's schema; adding an existing account fails harmlessly.
  $cli users add --db "$db" --data-dir "$data" --email bench-admin@example.org --password Bench-pass-1 --role admin >/dev/null 2>&1 || true
  "${psql_[@]}" -d "$name" -c "VACUUM ANALYZE"
else
  # The CLI creates and migrates the database with the first account.
  $cli users add --db "$db" --data-dir "$data" --email bench-admin@example.org --password Bench-pass-1 --role admin >/dev/null
  for i in 1 2 3 4 5 6; do
    $cli users add --db "$db" --data-dir "$data" --email "bench-annotator-$i@example.org" --password Bench-pass-1 --role annotator >/dev/null
  done
  start=$(date +%s.%N)
  "${psql_[@]}" -d "$name" -v items="$items" -f bench/dashboard-data.sql >"$data/fill.log"
  echo "built $items items in $(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.0f') s"
fi
project=$("${psql_[@]}" -d "$name" -At -c "SELECT \"Id\" FROM \"Projects\" WHERE \"Name\" = 'bench-1m'")
echo "project $project"
"${psql_[@]}" -d "$name" -At -c "SELECT 'rows: items ' || (SELECT count(*) FROM \"Items\") || ', annotations ' || (SELECT count(*) FROM \"Annotations\") || ', predictions ' || (SELECT count(*) FROM \"Predictions\")"

Logging__LogLevel__Default=Warning OMP_WAIT_POLICY=PASSIVE $cli serve --no-sample --no-jobs --urls "$url" --db "$db" --data-dir "$data" >"$data/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 90); do curl -s -o /dev/null "$url/login" && break; sleep 1; done
token=$(curl -s -c "$jar" "$url/login" | grep -o 'name="__RequestVerificationToken" value="[^"]*"' | sed 's/.*value="//;s/"$//')
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" --data-urlencode "email=bench-admin@example.org" \
  --data-urlencode "password=Bench-pass-1" --data-urlencode "_handler=login" --data-urlencode "__RequestVerificationToken=$token" "$url/login")
[ "$code" = 302 ] || { echo "login failed ($code)"; exit 1; }

pages=(
  "/projects/$project/dashboard"
  "/projects/$project/dashboard/model"
  "/projects/$project/dashboard/annotators"
  "/projects/$project/dashboard/jobs"
  "/projects/$project/dashboard/settings"
  "/projects/$project/dashboard/simulation"
  "/admin"
  "/api/v1/projects/$project/stats"
  "/api/v1/projects/$project/stats/annotators"
  "/api/v1/projects/$project/stats/agreement"
  "/projects/$project/jobs?limit=50&view=dashboard"
)
echo "machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-52s %8s %8s %8s  %s\n' page "median" min max status
for page in "${pages[@]}"; do
  curl -s -o /dev/null -b "$jar" "$url$page"
  times=() status=""
  for _ in $(seq 1 "$runs"); do
    out=$(curl -s -o /dev/null -b "$jar" -w '%{http_code} %{time_total}' "$url$page")
    status=${out% *}
    times+=("$(echo "${out#* } * 1000" | bc)")
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  median=$(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-52s %6.0f ms %5.0f ms %5.0f ms  %s\n' "$page" "$median" "$(echo "$sorted" | head -1)" "$(echo "$sorted" | tail -1)" "$status"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
