#!/usr/bin/env bash
# Engine speed and memory, native against TorchSharp, alternating runs, medians (bench/engine.md).
# Each part runs in a process of its own (`labelloop bench engine`), so peak RSS is that part's.
#
#   bench/engine/speed.sh                          # 60,000 pool images x 5 members; 2,000 images x 10 epochs
#   POOL=12000 RUNS=3 bench/engine/speed.sh        # a quicker look
set -euo pipefail
cd "$(dirname "$0")/../.."
POOL=${POOL:-60000} RUNS=${RUNS:-5} THREADS=${THREADS:-2} ENGINES=${ENGINES:-"native torchsharp"}
OUT=${OUT:-bench/out/engine/speed}
# Each engine as the product runs it: the native engine under OMP_WAIT_POLICY=PASSIVE (what `make run` and the
# worker set for it); TorchSharp with its own setting (GOMP_SPINCOUNT=100000, set by the engine when it loads).
# WAIT=PASSIVE (or ACTIVE) runs both under the same policy.
WAIT=${WAIT:-}
bench() {
    local engine=$1; shift
    if [[ -n $WAIT || $engine == native ]]; then
        OMP_WAIT_POLICY=${WAIT:-PASSIVE} dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll bench engine --engine "$engine" "$@"
    else
        env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll bench engine --engine "$engine" "$@"
    fi
}
mkdir -p "$OUT"; : >"$OUT/runs.jsonl"
for run in $(seq 1 "$RUNS"); do
    order=$ENGINES; (( run % 2 )) || order=$(tr ' ' '\n' <<<"$ENGINES" | tac | xargs)
    for e in $order; do
        bench "$e" --part score --pool "$POOL" --threads "$THREADS" | tee -a "$OUT/runs.jsonl"
        bench "$e" --part train --threads "$THREADS" | tee -a "$OUT/runs.jsonl"
    done
done
python3 - "$OUT/runs.jsonl" <<'PY' | tee "$OUT/summary.txt"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for part, rate in (("score", "poolImagesPerSecond"), ("train", "imagesPerSecond")):
    for e in sorted({r["engine"] for r in rows}):
        rs = [r for r in rows if r["engine"] == e and r["part"] == part]
        med = lambda k: statistics.median(r[k] for r in rs)
        print(f"{part:5} {e:10} runs {len(rs)}  images/s {med(rate):8.1f}  CPU s {med('cpuSeconds'):6.2f}  peak RSS MiB {med('peakRssMiB'):6.1f}")
PY
