#!/usr/bin/env bash
# Times the dashboard pages and the stats API on a project of ITEMS items (default 1,000,000) built in SQL, on each
# database provider in turn (side by side in one run).
# Usage: bench/dashboard.sh [ITEMS] [RUNS]   (after `make build`)
# For each provider in BENCH_PROVIDERS (default "sqlite postgres"): creates a scratch database through the CLI, fills
# it in SQL, starts `labelloop serve --no-sample --no-jobs` on 127.0.0.1:5098, logs in as an admin and requests every
# page RUNS times after one warm-up; prints the median HTTP time per page (curl, localhost), each line prefixed with
# the provider, then stops the server.
# SQLite: the file labelloop.db in a temporary data folder, filled with bench/dashboard-data.sqlite.sql (sqlite3),
# always built afresh and deleted at the end. PostgreSQL: the database labelloop_bench_dashboard on the local server,
# filled with bench/dashboard-data.sql (psql) and dropped at the end; KEEP=1 keeps it, and REUSE=1 times a kept one
# again after migrating it, without rebuilding the data (KEEP and REUSE apply to PostgreSQL only).
set -euo pipefail
cd "$(dirname "$0")/.."
items=${1:-1000000} runs=${2:-7}
cli="dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll"
name=labelloop_bench_dashboard
url=http://127.0.0.1:5098
psql_=(psql -h /var/run/postgresql -X -q)
server="" data="" provider=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ "$provider" = postgres ] && [ "${KEEP:-0}" != 1 ]; then
    "${psql_[@]}" -d postgres -c "DROP DATABASE IF EXISTS $name WITH (FORCE)"
  fi
  [ -n "$data" ] && rm -rf "$data"
  server="" data="" provider=""
}
trap cleanup EXIT
# One query, answered as plain text by the provider's shell (the SQL here is the same for both).
query() {
  case $provider in
    sqlite) sqlite3 -bail "$db" "$1" ;;
    postgres) "${psql_[@]}" -d "$name" -At -c "$1" ;;
  esac
}
# One result line: the median, min and max of the times in $times (ms), then the status if any.
summary() {
  local sorted median
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  median=$(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-8s %-52s %6.0f ms %5.0f ms %5.0f ms  %s\n' "$provider" "$1" "$median" "$(echo "$sorted" | head -1)" "$(echo "$sorted" | tail -1)" "$2"
}
add_user() { $cli users add --db "$db" --data-dir "$data" --email "$1" --password Bench-pass-1 --role "$2" >/dev/null; }

for p in ${BENCH_PROVIDERS:-sqlite postgres}; do
  provider=$p
  data=$(mktemp -d)
  jar="$data/cookies"
  reuse=0
  case $provider in
    sqlite) db="$data/labelloop.db" ;;
    postgres)
      db="Host=/var/run/postgresql;Database=$name"
      reuse=${REUSE:-0}
      [ "$reuse" = 1 ] || "${psql_[@]}" -d postgres -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" ;;
    *) echo "unknown provider $provider (sqlite or postgres)" >&2; provider=""; exit 1 ;;
  esac

  if [ "$reuse" = 1 ]; then
    # Any command migrates the kept database to this build's schema; adding an existing account fails harmlessly.
    add_user bench-admin@example.org admin 2>/dev/null || true
    "${psql_[@]}" -d "$name" -c "VACUUM ANALYZE"
  else
    # The CLI creates and migrates the database with the first account.
    add_user bench-admin@example.org admin
    for i in 1 2 3 4 5 6; do
      add_user "bench-annotator-$i@example.org" annotator
    done
    start=$(date +%s.%N)
    case $provider in
      sqlite) sqlite3 -bail "$db" -cmd ".parameter set :items $items" <bench/dashboard-data.sqlite.sql >"$data/fill.log" ;;
      postgres) "${psql_[@]}" -d "$name" -v items="$items" -f bench/dashboard-data.sql >"$data/fill.log" ;;
    esac
    echo "$provider built $items items in $(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.0f') s"
  fi
  project=$(query "SELECT \"Id\" FROM \"Projects\" WHERE \"Name\" = 'bench-1m'")
  echo "$provider project $project"
  echo "$provider $(query "SELECT 'rows: items ' || (SELECT count(*) FROM \"Items\") || ', annotations ' || (SELECT count(*) FROM \"Annotations\") || ', predictions ' || (SELECT count(*) FROM \"Predictions\")")"

  Logging__LogLevel__Default=Warning $cli serve --no-sample --no-jobs --urls "$url" --db "$db" --data-dir "$data" >"$data/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 90); do curl -s -o /dev/null "$url/login" && break; sleep 1; done
  token=$(curl -s -c "$jar" "$url/login" | grep -o 'name="__RequestVerificationToken" value="[^"]*"' | sed 's/.*value="//;s/"$//')
  code=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" --data-urlencode "email=bench-admin@example.org" \
    --data-urlencode "password=Bench-pass-1" --data-urlencode "_handler=login" --data-urlencode "__RequestVerificationToken=$token" "$url/login")
  [ "$code" = 302 ] || { echo "$provider login failed ($code)"; exit 1; }

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
  )
  echo "$provider machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-8s %-52s %8s %8s %8s  %s\n' provider page "median" min max status
  for page in "${pages[@]}"; do
    curl -s -o /dev/null -b "$jar" "$url$page"
    times=() status=""
    for _ in $(seq 1 "$runs"); do
      out=$(curl -s -o /dev/null -b "$jar" -w '%{http_code} %{time_total}' "$url$page")
      status=${out% *}
      times+=("$(echo "${out#* } * 1000" | bc)")
    done
    summary "$page" "$status"
  done
  # The annotators tab's first paint waits for no numbers: its circuit runs the two scans of the labels, in parallel,
  # as the two stats calls below do. Their time together is when the tab's numbers appear (plus the circuit's start).
  times=()
  for _ in $(seq 1 "$runs"); do
    start=$(date +%s.%N)
    curl -s -o /dev/null -b "$jar" "$url/api/v1/projects/$project/stats/annotators" & a=$!
    curl -s -o /dev/null -b "$jar" "$url/api/v1/projects/$project/stats/agreement" & b=$!
    wait "$a" "$b"
    times+=("$(echo "($(date +%s.%N) - $start) * 1000" | bc)")
  done
  summary "(annotators tab numbers: both scans at once)" ""
  echo "$provider load after: $(cut -d' ' -f1-3 /proc/loadavg)"
  cleanup
done
