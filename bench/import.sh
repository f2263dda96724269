#!/usr/bin/env bash
# Times `labelloop import` of the full Fashion-MNIST set (70,000 28x28 PNGs) into a fresh database.
# Usage: bench/import.sh [RUNS]   (after `make build`; prints each run and the median)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
cli="dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll"
src=bench/out/fashion-mnist-70k
if [ ! -d "$src" ]; then
  $cli samples build --name fashion-mnist --full --out "$src" >/dev/null
fi
times=()
for i in $(seq 1 "$runs"); do
  db="labelloop_bench_import_$i"
  data=$(mktemp -d)
  psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  # Create and migrate first, so the timing covers the import alone.
  $cli users add --db "Host=/var/run/postgresql;Database=$db" --data-dir "$data" --email "bench@example.org" --password "Bench-password-1" --role admin >/dev/null
  start=$(date +%s.%N)
  $cli import --db "Host=/var/run/postgresql;Database=$db" --data-dir "$data" --project fmnist --kind image --source "$src" >/dev/null
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc)
  times+=("$t")
  echo "run $i: ${t}s"
  psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  rm -rf "$data"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "median: " a[int((NR+1)/2)] "s over " NR " runs"}'
