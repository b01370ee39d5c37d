#!/bin/sh
# The U-Net vs DiT comparison of issue 17 (README, "DiT denoisers"): trains both configs
# one after the other at the lowest priority on one thread, then scores each on
# facade/valid with one step and one seed. Logs and models go to build-train-dit/.
#   experiments/dit-vs-unet/run.sh [LABELDIFF_CLI]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cli=${1:-$root/build/app/labeldiff-cli}
out=$root/build-train-dit
mkdir -p "$out"
export LABELDIFF_THREADS=1 OMP_NUM_THREADS=1
for m in unet dit; do
    (cd "$here" && nice -n 19 "$cli" train --config $m.train.json) >"$out/$m.train.out" 2>&1
done
for m in unet dit; do
    nice -n 19 "$cli" eval --model "$out/$m" --data "$root/../shared/data/facade/valid/instances.json" \
        --steps 1 --ensemble 1 --threads 1 >"$out/$m.eval.out" 2>&1
done
