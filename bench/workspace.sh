#!/usr/bin/env bash
# Label-and-next round trips with N concurrent annotators against a local server on a fresh database.
# Usage: bench/workspace.sh [ANNOTATORS] [SECONDS] [RUNS]   (after `make build`)
# Starts `labelloop serve --no-jobs` (the labeling path alone) on 127.0.0.1:5099 with its own database, runs `labelloop bench workspace` RUNS
# times (each on a new 200,000-item text project), prints each JSON result, then stops the server.
# BENCH_PORT and BENCH_DB pick another port and database (two benches on one machine); BENCH_DB_OPTIONS adds Npgsql
# connection-string settings (e.g. "Maximum Pool Size=6"). Server settings pass through the environment, e.g.
# Labeling__MaxConcurrentTransactions=4.
set -euo pipefail
cd "$(dirname "$0")/.."
annotators=${1:-50} seconds=${2:-20} runs=${3:-3}
cli="dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll"
port=${BENCH_PORT:-5099} dbname=${BENCH_DB:-labelloop_bench_workspace}
db="Host=/var/run/postgresql;Database=$dbname${BENCH_DB_OPTIONS:+;$BENCH_DB_OPTIONS}"
data=$(mktemp -d)
psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS \"$dbname\" WITH (FORCE)"
Logging__LogLevel__Default=Warning $cli serve --no-sample --no-jobs --urls http://127.0.0.1:$port --db "$db" --data-dir "$data" >"$data/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS \"$dbname\" WITH (FORCE)"; rm -rf "$data"' EXIT
for _ in $(seq 1 60); do curl -s -o /dev/null http://127.0.0.1:$port/login && break; sleep 1; done
for i in $(seq 1 "$runs"); do
  $cli bench workspace --url http://127.0.0.1:$port --db "$db" --data-dir "$data" --annotators "$annotators" --seconds "$seconds" | tail -1
done
