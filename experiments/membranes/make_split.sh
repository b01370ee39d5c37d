#!/usr/bin/env bash
# The membranes fine-tuning split: images 0–23 train, 24–29 held out (a fixed split, so that
# "before" and "after" are scored on the same six images). Symlinks into ../shared, nothing
# copied (the data's licence lets us use it, not redistribute it from this repository).
#   experiments/membranes/make_split.sh [DATA_DIR] [OUT_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=$(cd "${1:-$root/../shared/data/membranes}" && pwd)
out=${2:-$root/build-train-membranes}
for part in train holdout; do
  rm -rf "$out/$part"
  mkdir -p "$out/$part/image" "$out/$part/label"
  # One class, named by classes.txt rather than after the folder ("train", "holdout").
  printf '_background_\nmembrane\n' > "$out/$part/classes.txt"
done
for i in $(seq 0 29); do
  part=train
  [ "$i" -ge 24 ] && part=holdout
  ln -s "$data/image/$i.png" "$out/$part/image/$i.png"
  ln -s "$data/label/$i.png" "$out/$part/label/$i.png"
done
echo "$out/train: 24 images, $out/holdout: 6 images"
