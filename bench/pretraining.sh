#!/usr/bin/env bash
# The accuracy tables of bench/pretraining.md, after `make build`: `labelloop simulate --pretrain` on the
# Fashion-MNIST and fortune-topics samples. Each seed pretrains its own encoder on its pool (never on its test
# split), then runs every strategy three ways on the same splits and initial labels: from scratch, fine-tuning
# the encoder (a tenth of the head's learning rate) and with the encoder frozen. Seeds run as separate
# processes with one libtorch thread each under nice; the charts merge their curves.
set -euo pipefail
cd "$(dirname "$0")/.."
LL="dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll"
OUT=${OUT:-bench/out/active-learning}
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$OUT"
[ -d "$OUT/fashion-mnist" ] || $LL samples build --name fashion-mnist --out "$OUT/fashion-mnist"
[ -f "$OUT/fortunes/fortune-topics.jsonl" ] || $LL samples build --name fortune-topics --out "$OUT/fortunes"

VARIANTS="--pretrain --fine-tune finetune,freeze --compare-scratch --threads 1 --seeds 1"
# Random vs the default strategy, 10 to 2,000 labels (the first 10 at random).
for seed in 1 2 3; do
  nice -n 10 $LL simulate --data "$OUT/fashion-mnist" --strategies random,default --labels 10,20,50,100,200,500,1000,2000 \
    --train-steps 1000 $VARIANTS --first-seed $seed --out "$OUT/pre-fmnist-s$seed" &
done
wait
# Cold start: the first 10 labels chosen by `typical` on each encoder's embeddings.
for seed in 1 2 3; do
  nice -n 10 $LL simulate --data "$OUT/fashion-mnist" --strategies default --initial-strategy typical --labels 10,20,50,100 \
    --train-steps 1000 $VARIANTS --first-seed $seed --out "$OUT/pre-typical-s$seed" &
done
# Text: the masked-token pretext on fortune-topics.
nice -n 10 $LL simulate --data "$OUT/fortunes/fortune-topics.jsonl" --strategies random --labels 50,100,200,500 \
  --train-steps 300 --pretrain --fine-tune finetune,freeze --compare-scratch --threads 1 --seeds 3 --out "$OUT/pre-fortunes"
wait
$LL simulate --from-curves "$OUT"/pre-fmnist-s{1,2,3}/curves.csv --out "$OUT/pre-fmnist"
$LL simulate --from-curves "$OUT"/pre-typical-s{1,2,3}/curves.csv --out "$OUT/pre-typical"
