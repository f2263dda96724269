#!/usr/bin/env bash
# Median seconds per round of the modAL loop and of `labelloop simulate`, run in turn on the same data and schedule.
# usage: round-times.sh RUNS DATA   (PEER, MODAL_SRC as for active-learning.sh)
set -euo pipefail
runs=${1:-3}
data=${2:?data}
cd "$(dirname "$0")/../.."
LL="dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll"
PEER=${PEER:-../shared/peer}
SCHEDULE="--initial 20 --step 40 --budget 300 --test-fraction 0.2"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for run in $(seq 1 "$runs"); do
  /usr/bin/python3 "$PEER/peer_al.py" --data "$data" --pool 0 $SCHEDULE --strategies random,margin --seeds 1 --threads 2 \
    --out "$out/peer-$run" > /dev/null
  $LL simulate --data "$data" $SCHEDULE --strategies random,margin --seeds 1 --threads 2 --out "$out/labelloop-$run" > /dev/null
  python3 - "$out" "$run" <<'PY'
import json, sys
out, run = sys.argv[1], sys.argv[2]
peer = json.load(open(f"{out}/peer-{run}/summary.json"))["strategies"]
ours = json.load(open(f"{out}/labelloop-{run}/summary.json"))["strategies"]
for s in ("random", "margin"):
    print(f"run {run} {s}: peer {peer[s]['seconds_per_round_median']:.2f} s, LabelLoop {ours[s]['medianRoundSeconds']:.2f} s per round (median)")
PY
done
