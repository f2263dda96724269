#!/usr/bin/env bash
# The accuracy tables of bench/pretraining.md and bench/active-learning.md, after `make build`:
# `labelloop simulate --pretrain` on the Fashion-MNIST and fortune-topics samples. Every seed pretrains its own
# encoder on its pool (never on its test split; the pretraining job's settings: 20 epochs), then runs each
# strategy from that encoder and, with --compare-scratch, from scratch on the same split and initial labels.
# Each process trains with one libtorch thread; seeds run as separate processes and the tables merge them.
set -euo pipefail
cd "$(dirname "$0")/.."
LL="dotnet artifacts/bin/LabelLoop.Cli/release/labelloop.dll"
OUT=${OUT:-bench/out/active-learning}
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$OUT"
[ -d "$OUT/fashion-mnist" ] || $LL samples build --name fashion-mnist --out "$OUT/fashion-mnist"
[ -f "$OUT/fortunes/fortune-topics.jsonl" ] || $LL samples build --name fortune-topics --out "$OUT/fortunes"
FMNIST="--data $OUT/fashion-mnist --train-steps 1000 --pretrain --compare-scratch --threads 1 --seeds 1"
LABELS=10,20,50,100,200,500,1000

# Random: scratch, fine-tuned and frozen encoder (seeds 1 and 2 also at 2,000 labels).
for seed in 1 2; do
  $LL simulate $FMNIST --strategies random --fine-tune finetune,freeze --labels $LABELS,2000 --first-seed $seed --out "$OUT/pre-random-s$seed" &
done
$LL simulate $FMNIST --strategies random --labels $LABELS --first-seed 3 --out "$OUT/pre-random-s3" &
wait
# The default strategy (typical until 3 labels per class, then margin+diverse), scratch and fine-tuned.
for seed in 1 2 3; do
  $LL simulate $FMNIST --strategies default --labels $LABELS --first-seed $seed --out "$OUT/pre-default-s$seed" &
done
wait
# The same loop stopped at 350 labels: does it reach random's 1,000-label accuracy there?
for seed in 1 2 3; do
  $LL simulate $FMNIST --strategies default --labels 10,20,50,100,200,350 --first-seed $seed --out "$OUT/pre-default350-s$seed" &
done
wait
# Cold start: the first 10 labels chosen by `typical` on the pretrained encoder's embeddings.
$LL simulate $FMNIST --strategies default --fine-tune finetune,freeze --initial-strategy typical --labels 10,20,50,100 \
  --first-seed 1 --out "$OUT/pre-typical-s1"
# Text: the masked-token pretext on fortune-topics.
$LL simulate --data "$OUT/fortunes/fortune-topics.jsonl" --strategies random --labels 50,100,200,500 --train-steps 300 \
  --pretrain --fine-tune finetune,freeze --compare-scratch --threads 1 --seeds 3 --out "$OUT/pre-fortunes"
# One chart over the Fashion-MNIST runs (re-rendered from the curves; trains nothing).
$LL simulate --from-curves "$OUT"/pre-random-s{1,2,3}/curves.csv "$OUT"/pre-default-s{1,2,3}/curves.csv --out "$OUT/pre-fmnist"

# Fine-tuning at the head's rate, at the defaults (no training flags): the side-by-side schedule of
# active-learning.md from the encoder and from scratch, 3 seeds, then the headline schedule from the encoder, 3 seeds.
SCHEDULE="--initial 20 --step 40 --budget 300 --test-fraction 0.2"
for seed in 1 2 3; do
  $LL simulate --data "$OUT/fashion-mnist" $SCHEDULE --strategies random,margin --pretrain --compare-scratch --threads 1 \
    --seeds 1 --first-seed $seed --out "$OUT/pretrained-defaults-s$seed" &
  if [ "$seed" = 2 ]; then wait; fi
done
wait
for seed in 1 2 3; do
  $LL simulate --data "$OUT/fashion-mnist" --strategies random,default --labels 10,20,50,100,200,350,500,1000 --pretrain \
    --threads 1 --seeds 1 --first-seed $seed --out "$OUT/pretrained-headline-s$seed" &
  if [ "$seed" = 2 ]; then wait; fi
done
wait

# The cold start's typical items placed on the pretrained encoder's embeddings: the default strategy from the encoder
# over the cold start (10, 20 and 50 labels) and the first selection after it (100), 10 seeds, two at a time. Run the
# same on the build before the change for the other side.
for seed in $(seq 1 10); do
  $LL simulate --data "$OUT/fashion-mnist" --strategies default --labels 10,20,50,100 --pretrain --threads 1 --seeds 1 \
    --first-seed $seed --out "$OUT/typical-encoder-s$seed" &
  if [ $((seed % 2)) = 0 ]; then wait; fi
done
wait

# The live loop's first labels on the encoder: before a project's first model, annotators get the cold-start order
# the pretraining job writes (ColdStart.FirstItems over the encoder's embeddings), which is what
# --initial-strategy typical picks; before it, they got open items in content-hash order, a random draw. The default
# strategy from the encoder after 20 first labels either way, 10 seeds, two at a time.
for seed in $(seq 1 10); do
  for how in typical random; do
    $LL simulate --data "$OUT/fashion-mnist" --strategies default --labels 20,50,100 --pretrain --initial-strategy $how \
      --threads 1 --seeds 1 --first-seed $seed --out "$OUT/first-labels-$how-s$seed" &
  done
  wait
done
