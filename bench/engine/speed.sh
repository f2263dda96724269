#!/usr/bin/env bash
# Engine speed and memory: committee scoring and training throughput, CPU time and peak RSS, medians of RUNS
# (bench/engine.md). Each part runs in a process of its own (`labelloop bench engine`), so peak RSS is that part's.
# Both ways the engine waits for work: `shared` as `serve` and the CLI run it (idle threads sleep at once) and
# `dedicated` as `labelloop worker` runs it (they spin about a millisecond first); the two alternate run by run.
#
#   bench/engine/speed.sh                          # 60,000 pool images x 5 members; 2,000 images x 10 epochs
#   POOL=12000 RUNS=3 bench/engine/speed.sh        # a quicker look
set -euo pipefail
cd "$(dirname "$0")/../.."
POOL=${POOL:-60000} RUNS=${RUNS:-5} THREADS=${THREADS:-2} MODES=${MODES:-"shared dedicated"}
OUT=${OUT:-bench/out/engine/speed}
bench() {
    local mode=$1; shift
    env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll bench engine \
        --threads "$THREADS" $([[ $mode == dedicated ]] && echo --dedicated) "$@"
}
mkdir -p "$OUT"; : >"$OUT/runs.jsonl"
for run in $(seq 1 "$RUNS"); do
    order=$MODES; (( run % 2 )) || order=$(tr ' ' '\n' <<<"$MODES" | tac | xargs)
    for mode in $order; do
        bench "$mode" --part score --pool "$POOL" | tee -a "$OUT/runs.jsonl"
        bench "$mode" --part train | tee -a "$OUT/runs.jsonl"
    done
done
python3 - "$OUT/runs.jsonl" <<'PY' | tee "$OUT/summary.txt"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for part, rate in (("score", "poolImagesPerSecond"), ("train", "imagesPerSecond")):
    for dedicated in (False, True):
        rs = [r for r in rows if r["dedicated"] == dedicated and r["part"] == part]
        if not rs:
            continue
        med = lambda k: statistics.median(r[k] for r in rs)
        mode = "dedicated" if dedicated else "shared"
        print(f"{part:5} {mode:9} runs {len(rs)}  images/s {med(rate):8.1f}  CPU s {med('cpuSeconds'):6.2f}  peak RSS MiB {med('peakRssMiB'):6.1f}")
PY
