#!/usr/bin/env bash
# Time to recover a run whose node is killed, at the default settings: one `serve --no-jobs` (web only) and two
# `worker` nodes on one PostgreSQL database. The long run is the Fashion-MNIST sample's first pretraining (minutes on
# two cores). Each round waits until a worker has run it for a few seconds, kills that worker with SIGKILL, and times
# until the other worker runs it (the row's node changes and its status is Running); a fresh worker then replaces the
# dead one, so two are up for the next round. By configuration recovery is bounded by Hangfire's invisibility timeout
# (Jobs:InvisibilityTimeoutSeconds, 60 s), after which the job is fetched again, and the run's heartbeat timeout
# (Jobs:RunHeartbeatTimeoutSeconds, 30 s), after which a node may take the run over.
# Usage: bench/jobs-recovery.sh [ROUNDS]   (after `make build`; needs the local PostgreSQL of `make postgres`)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
cli="dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll"
db=labelloop_bench_recovery
cs="Host=/var/run/postgresql;Database=$db"
port=5093
base="http://127.0.0.1:$port"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  rm -rf "$work"
}
trap cleanup EXIT
q() { psql -h /var/run/postgresql -d "$db" -tAq -c "$1"; }
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
workers=0
start_worker() {
  workers=$((workers + 1))
  $cli worker --db "$cs" --data-dir "$work/data" >"$work/worker-$workers.log" 2>&1 &
  pids+=($!)
  disown   # its SIGKILL is the point: no job-control notice for it
}

psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
echo "machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
$cli serve --urls "$base" --db "$cs" --data-dir "$work/data" --no-jobs >"$work/serve.log" 2>&1 &
pids+=($!)
echo -n "waiting for the sample import..."
until [ "$(q 'SELECT COALESCE(MAX("ItemCount"), 0) FROM "Projects"' 2>/dev/null || echo 0)" = "10000" ]; do sleep 1; done
until curl -sf -o /dev/null "$base/login"; do sleep 0.5; done
echo " done"
start_worker
start_worker

running() { q "SELECT \"Id\" || ' ' || \"Node\" FROM \"JobRuns\" WHERE \"Kind\" = 'Pretrain' AND \"Status\" = 'Running' ORDER BY \"Id\" DESC LIMIT 1"; }
times=()
echo "round run killed_node recovered_on recovery_s"
for r in $(seq 1 "$rounds"); do
  until [ -n "$(running)" ]; do sleep 0.2; done
  sleep 5
  read -r run node < <(running)
  pid=${node##*/}
  t0=$(now)
  kill -9 "$pid"
  while :; do
    current=$(q "SELECT \"Node\" FROM \"JobRuns\" WHERE \"Id\" = $run AND \"Status\" = 'Running'")
    [ -n "$current" ] && [ "$current" != "$node" ] && break
    status=$(q "SELECT \"Status\" FROM \"JobRuns\" WHERE \"Id\" = $run")
    case "$status" in Succeeded | Failed | Cancelled) echo "run $run ended ($status) before it was recovered"; exit 1 ;; esac
    sleep 0.2
  done
  took=$(python3 -c "print($(now) - $t0)")
  times+=("$took")
  printf '%s %s %s %s %.1f\n' "$r" "$run" "$node" "$current" "$took"
  start_worker
done
echo "median recovery: $(printf '%s\n' "${times[@]}" | median) s over $rounds rounds"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
