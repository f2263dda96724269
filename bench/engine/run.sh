#!/usr/bin/env bash
# Committee scoring throughput: a generated pool scored by every member through LabelLoop.Ml
# (IModelEngine -> P/Invoke -> liblabelloop_native) and by a plain C++ loop over libtorch running
# the same networks on the same pool. The two run alternately, RUNS times each, so machine noise
# hits both; the script reports medians and their ratio (our overhead).
#
#   bench/engine/run.sh                      # 60,000 images, 5 members, 5 runs, 2 threads
#   POOL=6000 RUNS=3 bench/engine/run.sh     # a quick look
#   LIBTORCH_DIR=/path/to/libtorch bench/engine/run.sh
#
# OMP_WAIT_POLICY defaults to PASSIVE for both paths: on a machine whose cores are shared with other
# work, libgomp's spinning waits made 2-thread runs swing between 180 and 1,400 images/s.
set -euo pipefail
cd "$(dirname "$0")/../.."

POOL=${POOL:-60000}
MEMBERS=${MEMBERS:-5}
RUNS=${RUNS:-5}
THREADS=${THREADS:-2}
OUT=${OUT:-bench/out/engine}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

cmake -S src/LabelLoop.Native -B artifacts/native -DCMAKE_BUILD_TYPE=Release -DLL_BUILD_BENCH=ON \
    ${LIBTORCH_DIR:+-DCMAKE_PREFIX_PATH="$LIBTORCH_DIR"} >/dev/null
cmake --build artifacts/native -j2 --target labelloop_native ll_plain_loop >/dev/null

mkdir -p "$OUT"
rm -f "$OUT"/member*.llm "$OUT/runs.txt"
score() { dotnet run -c Release bench/engine/ScoreBench.cs -- "$@"; }
score prepare "$OUT" "$MEMBERS"
checkpoints=("$OUT"/member*.llm)

plain() { artifacts/native/ll_plain_loop "$POOL" "$THREADS" "${checkpoints[@]}"; }
managed() { score score "$POOL" "$THREADS" "${checkpoints[@]}" | awk '{print $2}'; }

for run in $(seq 1 "$RUNS"); do
    # Alternate which path goes first so slow drift on the machine favours neither.
    if (( run % 2 )); then p=$(plain); m=$(managed); else m=$(managed); p=$(plain); fi
    plain_rate=$(awk '$1 == "plain" {print $2}' <<<"$p")
    abi_rate=$(awk '$1 == "abi" {print $2}' <<<"$p")
    echo "run $run: plain $plain_rate images/s, abi $abi_rate images/s, managed $m images/s (load $(cut -d' ' -f1 /proc/loadavg))" |
        tee -a "$OUT/runs.txt"
done

median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
plain_median=$(awk '{print $4}' "$OUT/runs.txt" | median)
abi_median=$(awk '{print $7}' "$OUT/runs.txt" | median)
managed_median=$(awk '{print $10}' "$OUT/runs.txt" | median)
ratio=$(awk -v p="$plain_median" -v m="$managed_median" 'BEGIN {printf "%.3f", p / m}')
{
    echo "pool $POOL images, $MEMBERS members, $THREADS threads, OMP_WAIT_POLICY=$OMP_WAIT_POLICY, $RUNS runs on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
    echo "plain C++ loop over libtorch:     median $plain_median pool images/s"
    echo "C ABI (ll_model_predict), same process as the plain loop: median $abi_median pool images/s"
    echo "LabelLoop.Ml (IModelEngine):      median $managed_median pool images/s"
    echo "ratio (managed time / plain time): $ratio"
} | tee "$OUT/summary.txt"
