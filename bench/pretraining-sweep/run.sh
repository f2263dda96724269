#!/usr/bin/env bash
# The sweep of bench/pretraining.md ("How far the recipe goes"): 18 settings of the contrastive recipe in four
# parallel processes, then the few-label heads. Needs Python 3 with PyTorch and NumPy (a GPU machine: about 4 minutes
# on one H200; on 2 CPU cores it takes hours). FMNIST_DIR names the folder with the idx files.
set -euo pipefail
cd "$(dirname "$0")"
out=${1:-results}
mkdir -p "$out"; rm -f "$out/results.jsonl"
P1='{"raw":{"raw":1},"untrained":{"w":16,"e":0},"base20":{"w":16,"e":20},"e100":{"w":16,"e":100},"e200":{"w":16,"e":200}}'
P2='{"w32e100":{"w":32,"e":100},"w32e200c2":{"w":32,"e":200,"crop":0.2},"w64e100":{"w":64,"e":100}}'
P3='{"e100c2":{"w":16,"e":100,"crop":0.2},"e100t1":{"w":16,"e":100,"t":0.1},"e100t5":{"w":16,"e":100,"t":0.5},"e100bs512":{"w":16,"e":100,"bs":512},"e100bn":{"w":16,"e":100,"bnhead":1}}'
P4='{"pool2":{"w":16,"e":100,"pool":2},"pool3":{"w":16,"e":100,"pool":3},"e100jit6n0":{"w":16,"e":100,"jit":0.6,"noise":0},"e100lr4":{"w":16,"e":100,"lr":0.004},"w32e300c25":{"w":32,"e":300,"crop":0.25}}'
i=0
for p in "$P1" "$P2" "$P3" "$P4"; do i=$((i+1)); python3 sweep.py "$p" "$out/results.jsonl" >"$out/log$i.txt" 2>&1 & done
wait
python3 heads.py | tee "$out/heads.txt"
