#!/bin/sh
# The issue-18 review-loop simulations behind README's "Review loop (issue 18)" and
# docs/review-loop-*.png. From the repository root, after building labeldiff-cli:
#   nice -n 19 experiments/review-loop/run.sh
# One thread each; the work folders go under build-review-loop/.
set -e
CLI=${CLI:-build/app/labeldiff-cli}
export LABELDIFF_THREADS=1
# facade: the shipped default model; pool = the first 16 images of facade/valid (never
# trained or tuned on), held out = 12 others (valid 72..83); K = 3 per round, 40 steps.
$CLI simulate-review --model resources/models/facade-small \
  --pool ../shared/data/facade/valid/instances.json --pool-max 16 \
  --test ../shared/data/facade/valid/instances.json --test-skip 72 \
  --train-config experiments/review-loop/facade.train.json --rounds 2 --per-round 3 --train-steps 40 \
  --out build-review-loop/facade --json build-review-loop/facade.json \
  --plot docs/review-loop-facade.png --title "facade: default model, K = 3 per round, 40 steps" --threads 1 &
# membranes: the same default model (membrane IoU 0 before); pool = the 24 training
# images, held out = the 6 of experiments/membranes/make_split.sh; K = 3, 60 steps.
# Both run at once, one core each.
$CLI simulate-review --model resources/models/facade-small \
  --pool build-train-membranes/train --test build-train-membranes/holdout \
  --train-config experiments/review-loop/membranes.train.json --rounds 2 --per-round 3 --train-steps 60 \
  --out build-review-loop/membranes --json build-review-loop/membranes.json \
  --plot docs/review-loop-membranes.png --title "membranes: from the default model, K = 3 per round, 60 steps" --threads 1 &
wait
