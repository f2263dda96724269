#!/usr/bin/env bash
# Label-and-next round trips with N concurrent annotators against a local server on a fresh database, on each
# database provider in turn (side by side in one run).
# Usage: bench/workspace.sh [ANNOTATORS] [SECONDS] [RUNS]   (after `make build`)
# For each provider in BENCH_PROVIDERS (default "sqlite postgres"): starts `labelloop serve --no-jobs` (the labeling
# path alone) on 127.0.0.1:5099 with its own fresh database, runs `labelloop bench workspace` RUNS times (each on a new
# 200,000-item text project), prints each JSON result prefixed with the provider, then stops the server.
# SQLite: a file in a temporary data folder. PostgreSQL: database BENCH_DB on the local server; BENCH_DB_OPTIONS adds
# Npgsql connection-string settings (e.g. "Maximum Pool Size=6"). BENCH_PORT picks another port. Server settings pass
# through the environment, e.g. Labeling__MaxConcurrentTransactions=4.
set -euo pipefail
cd "$(dirname "$0")/.."
annotators=${1:-50} seconds=${2:-20} runs=${3:-3}
cli="dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll"
port=${BENCH_PORT:-5099} dbname=${BENCH_DB:-labelloop_bench_workspace}
server="" data=""
cleanup() {
  [ -n "$server" ] && { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; }
  psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS \"$dbname\" WITH (FORCE)" 2>/dev/null || true
  [ -n "$data" ] && rm -rf "$data"
  server="" data=""
}
trap cleanup EXIT
for provider in ${BENCH_PROVIDERS:-sqlite postgres}; do
  data=$(mktemp -d)
  case $provider in
    sqlite) db="$data/labelloop.db" ;;
    postgres)
      db="Host=/var/run/postgresql;Database=$dbname${BENCH_DB_OPTIONS:+;$BENCH_DB_OPTIONS}"
      psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS \"$dbname\" WITH (FORCE)" ;;
    *) echo "unknown provider $provider (sqlite or postgres)" >&2; exit 1 ;;
  esac
  # All annotators sign in from 127.0.0.1, past the per-address sign-in throttle (20 at once), and each labels far
  # faster than the API's per-caller request budget (600 a minute) allows a person: turn both limits off.
  Accounts__SignInThrottle__AddressAttempts=0 Api__RateLimit__PermitsPerMinute=0 Logging__LogLevel__Default=Warning $cli serve --no-sample --no-jobs --urls http://127.0.0.1:$port --db "$db" --data-dir "$data" >"$data/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 60); do curl -s -o /dev/null http://127.0.0.1:$port/login && break; sleep 1; done
  for _ in $(seq 1 "$runs"); do
    echo "$provider $($cli bench workspace --url http://127.0.0.1:$port --db "$db" --data-dir "$data" --annotators "$annotators" --seconds "$seconds" | tail -1)"
  done
  cleanup
done
