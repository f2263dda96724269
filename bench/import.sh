#!/usr/bin/env bash
# Times `labelloop import` of a folder of Fashion-MNIST PNGs into a fresh database, on each database provider in turn
# (side by side in one run).
# Usage: bench/import.sh [RUNS]   (after `make build`; prints each run with its peak RSS, and the median per provider)
# The source is the 10,000-image sample (`labelloop samples build --name fashion-mnist`, the test split), written
# once to bench/out/fashion-mnist-10k; FULL=1 uses the full set instead (70,000 images, `--full`, written once to
# bench/out/fashion-mnist-70k); SOURCE=DIR imports any other folder of images.
# For each provider in BENCH_PROVIDERS (default "sqlite postgres"), each run gets a fresh database, created and
# migrated by the CLI before the clock starts: SQLite, a file in a temporary data folder; PostgreSQL, the database
# labelloop_bench_import_RUN on the local server, dropped after the run. Each line is prefixed with the provider.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
cli="dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll"
if [ -n "${SOURCE:-}" ]; then
  src=$SOURCE
elif [ "${FULL:-0}" = 1 ]; then
  src=bench/out/fashion-mnist-70k
  [ -d "$src" ] || $cli samples build --name fashion-mnist --full --out "$src" >/dev/null
else
  src=bench/out/fashion-mnist-10k
  [ -d "$src" ] || $cli samples build --name fashion-mnist --out "$src" >/dev/null
fi
echo "source: $src ($(find "$src" -type f | wc -l) files)"
pgname="" data=""
cleanup() {
  [ -n "$pgname" ] && psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS $pgname WITH (FORCE)"
  [ -n "$data" ] && rm -rf "$data"
  pgname="" data=""
}
trap cleanup EXIT
for provider in ${BENCH_PROVIDERS:-sqlite postgres}; do
  times=()
  for i in $(seq 1 "$runs"); do
    data=$(mktemp -d)
    case $provider in
      sqlite) db="$data/labelloop.db" ;;
      postgres)
        pgname="labelloop_bench_import_$i"
        db="Host=/var/run/postgresql;Database=$pgname"
        psql -h /var/run/postgresql -d postgres -q -c "DROP DATABASE IF EXISTS $pgname WITH (FORCE)" ;;
      *) echo "unknown provider $provider (sqlite or postgres)" >&2; exit 1 ;;
    esac
    # Create and migrate first, so the timing covers the import alone.
    $cli users add --db "$db" --data-dir "$data" --email "bench@example.org" --password "Bench-password-1" --role admin >/dev/null
    start=$(date +%s.%N)
    /usr/bin/time -f %M -o "$data/rss" $cli import --db "$db" --data-dir "$data" --project fmnist --kind image --source "$src" >/dev/null
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc)
    times+=("$t")
    count='SELECT count(*) FROM "Items"'
    case $provider in
      sqlite) n=$(sqlite3 "$db" "$count") ;;
      postgres) n=$(psql -h /var/run/postgresql -d "$pgname" -Atc "$count") ;;
    esac
    echo "$provider run $i: ${t}s, $n items, max RSS $(( $(tail -1 "$data/rss") / 1024 )) MiB"
    cleanup
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v p="$provider" '{a[NR]=$1} END {print p " median: " a[int((NR+1)/2)] "s over " NR " runs"}'
done
