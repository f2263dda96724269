#!/usr/bin/env bash
# Committee scoring throughput: a generated pool scored by every member through LabelLoop.Ml
# (IModelEngine -> P/Invoke -> liblabelloop_native) and by a plain C++ loop over libtorch running
# the same networks on the same pool. The two run alternately, RUNS times each, so machine noise
# hits both; the script reports medians and their ratio (our overhead), by wall time and by CPU
# time (the sum over all threads, which other work on shared cores barely moves).
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
rm -f "$OUT"/member*.llm "$OUT/runs.tsv"
score() { dotnet run -c Release bench/engine/ScoreBench.cs -- "$@"; }
score prepare "$OUT" "$MEMBERS"
checkpoints=("$OUT"/member*.llm)

plain() { artifacts/native/ll_plain_loop "$POOL" "$THREADS" "${checkpoints[@]}"; }
managed() { score score "$POOL" "$THREADS" "${checkpoints[@]}"; }
field() { awk -v path="$1" -v col="$2" '$1 == path {print $col}'; }

echo -e "run\tplain_img_s\tplain_cpu_s\tabi_img_s\tabi_cpu_s\tmanaged_img_s\tmanaged_cpu_s\tload" >"$OUT/runs.tsv"
for run in $(seq 1 "$RUNS"); do
    # Alternate which path goes first so slow drift on the machine favours neither.
    if (( run % 2 )); then p=$(plain); m=$(managed); else m=$(managed); p=$(plain); fi
    row="$run\t$(field plain 2 <<<"$p")\t$(field plain 4 <<<"$p")\t$(field abi 2 <<<"$p")\t$(field abi 4 <<<"$p")"
    row="$row\t$(field managed 2 <<<"$m")\t$(field managed 4 <<<"$m")\t$(cut -d' ' -f1 /proc/loadavg)"
    echo -e "$row" | tee -a "$OUT/runs.tsv"
done

median() { tail -n +2 "$OUT/runs.tsv" | cut -f"$1" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
plain_rate=$(median 2) plain_cpu=$(median 3) abi_rate=$(median 4) abi_cpu=$(median 5)
managed_rate=$(median 6) managed_cpu=$(median 7)
{
    echo "pool $POOL images x $MEMBERS members, $THREADS threads, OMP_WAIT_POLICY=$OMP_WAIT_POLICY, $RUNS runs, $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
    echo "medians                         pool images/s   CPU s per pass"
    printf "plain C++ loop over libtorch    %13s   %14s\n" "$plain_rate" "$plain_cpu"
    printf "C ABI, same process as plain    %13s   %14s\n" "$abi_rate" "$abi_cpu"
    printf "LabelLoop.Ml (IModelEngine)     %13s   %14s\n" "$managed_rate" "$managed_cpu"
    awk -v p="$plain_rate" -v m="$managed_rate" 'BEGIN {printf "ratio managed/plain, wall time: %.3f\n", p / m}'
    awk -v p="$plain_cpu" -v m="$managed_cpu" 'BEGIN {printf "ratio managed/plain, CPU time:  %.3f\n", m / p}'
} | tee "$OUT/summary.txt"
