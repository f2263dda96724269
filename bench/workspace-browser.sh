#!/usr/bin/env bash
# Key press to next item painted in the labeling workspace, in Chromium driven by Playwright against the real server
# (the E2E fixture: `LabelLoopWebApplication` on Kestrel, loopback, a fresh SQLite database), measured in the page.
# Usage: bench/workspace-browser.sh [RUNS] [SESSIONS]   (after `make build`)
# Each run: one annotator labels BENCH_ITEMS (default 200) image items, one key after the previous item was painted;
# then SESSIONS (default 5) annotators in separate browser contexts label BENCH_ITEMS/2 items each at the same time,
# with the server's managed heap growth per open workspace circuit. Prints one JSON line per measurement.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3} sessions=${2:-5}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for _ in $(seq 1 "$runs"); do
  LABELLOOP_BENCH=1 BENCH_OUT="$out" BENCH_SESSIONS="$sessions" OMP_WAIT_POLICY=PASSIVE \
    dotnet test tests/LabelLoop.E2E -c Release --no-build --filter "FullyQualifiedName~WorkspaceLatencyBench" >/dev/null || echo "run failed: see dotnet test tests/LabelLoop.E2E --filter WorkspaceLatencyBench" >&2
done
cat "$out"
