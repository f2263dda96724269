#!/usr/bin/env bash
# The simulator runs behind bench/active-learning.md, after `make build` (and `make samples` or the two
# `samples build` lines below). Each run trains with one libtorch thread under nice; seeds run as separate
# processes (--first-seed) and the chart merges their curves.
set -euo pipefail
LL="dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll"
OUT=${OUT:-bench/out/active-learning}
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$OUT"
[ -d "$OUT/fashion-mnist" ] || $LL samples build --name fashion-mnist --out "$OUT/fashion-mnist"
[ -f "$OUT/fortunes/fortune-topics.jsonl" ] || $LL samples build --name fortune-topics --out "$OUT/fortunes"

ALL=random,margin,margin+diverse,default,entropy,least-confident,qbc-vote,qbc-consensus,qbc-kl,bald,expected-change,density,coreset,typical
NO_QBC=random,margin,margin+diverse,default,entropy,least-confident,bald,expected-change,density,coreset,typical
IMAGE="--data $OUT/fashion-mnist --initial 20 --step 240 --budget 980 --train-steps 400 --committee 3 --threads 1 --seeds 1"

nice -n 10 $LL simulate $IMAGE --strategies $ALL --first-seed 1 --out "$OUT/fmnist-s1" &
nice -n 10 $LL simulate $IMAGE --strategies $NO_QBC --first-seed 2 --out "$OUT/fmnist-s2" &
wait
nice -n 10 $LL simulate --data "$OUT/fortunes/fortune-topics.jsonl" --strategies $ALL --initial 20 --step 160 --budget 500 \
  --seeds 1 --committee 3 --threads 1 --out "$OUT/fortunes-s1"

# One chart per dataset over all seeds (re-rendered from the curves; trains nothing).
$LL simulate --from-curves "$OUT/fmnist-s1/curves.csv" "$OUT/fmnist-s2/curves.csv" --out "$OUT/fmnist"
# One round (retrain + score + select) on a 9,900-item pool: the first round's time is in summary.json.
$LL simulate --data "$OUT/fashion-mnist" --strategies margin+diverse,qbc-vote --committee 5 --initial 100 --step 100 --budget 200 \
  --seeds 1 --test-fraction 0.01 --threads 1 --out "$OUT/round-10k"

# The headline table: random vs the default strategy, from scratch and from the pretrained encoder, 3 seeds.
for s in 1 2 3; do
  $LL simulate --data "$OUT/fashion-mnist" --strategies random,default --labels 10,20,50,100,200,350,500,1000 \
    --pretrain --compare-scratch --train-steps 1000 --threads 1 --seeds 1 --first-seed $s --out "$OUT/headline-s$s" &
done
wait
$LL simulate --from-curves "$OUT/headline-s1/curves.csv" "$OUT/headline-s2/curves.csv" "$OUT/headline-s3/curves.csv" --out "$OUT/headline"
