#!/bin/bash
# Throughput of the cluster paths on this machine, both halves measured in one run so that
# the ratios compare like with like:
#  1. sharded labelling: the sample images with the default model, one `label` with 2 threads
#     and with 1 vs 2 shards with 1 thread each at the same time, then `merge` (images per
#     second; the merge must equal the 1-thread run byte for byte: another thread count adds
#     in another order);
#  2. data-parallel training: a from-scratch U-Net on synthetic scenes, one process with 2
#     threads and with 1 vs 2 ranks with 1 thread each, the same batch (seconds per step).
#
#   bench/cluster_throughput.sh [BUILD_DIR] [IMAGES_DIR]
#
# Run it on an otherwise idle machine: 2 shards on 2 cores only make sense with both free.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
images=${2:-$here/resources/samples}
cli=$build/app/labeldiff-cli
work=$(mktemp -d /tmp/ld-cluster-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
rate() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.3f}')" "$@"; }
count=$(find "$images" -maxdepth 1 -type f \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' \) | wc -l)

echo "== label: $count images of $images with the default model"
t0=$(now)
"$cli" label --images "$images" --out "$work/whole" --threads 2 > "$work/whole.log"
t1=$(now)
whole=$(python3 -c "print($t1 - $t0)")
t0=$(now)
"$cli" label --images "$images" --out "$work/whole1" --threads 1 > "$work/whole1.log"
t1=$(now)
whole1=$(python3 -c "print($t1 - $t0)")
for k in 0 1; do
  ( s=$(now); "$cli" label --images "$images" --out "$work/shard-$k" --threads 1 --shard "$k/2" > "$work/shard-$k.log"
    e=$(now); python3 -c "print($e - $s)" > "$work/shard-$k.time" ) &
done
t2=$(now)
wait
t3=$(now)
"$cli" merge "$work/merged" "$work/shard-0" "$work/shard-1" > "$work/merge.log"
t4=$(now)
cmp -s "$work/whole1/instances.json" "$work/merged/instances.json" && same=yes || same=NO
echo "1 process x 2 threads: $(printf %.1f "$whole") s, $(rate "$count" "$whole") images/s"
echo "1 process x 1 thread: $(printf %.1f "$whole1") s, $(rate "$count" "$whole1") images/s"
for k in 0 1; do
  n=$(find "$work/shard-$k/overlays" -type f | wc -l)
  tk=$(cat "$work/shard-$k.time")
  echo "shard $k/2 x 1 thread: $n images in $(printf %.1f "$tk") s, $(rate "$n" "$tk") images/s"
done
sharded=$(python3 -c "print($t4 - $t2)")
echo "2 shards + merge: $(printf %.1f "$sharded") s (merge $(python3 -c "print(f'{$t4 - $t3:.2f}')") s)," \
  "$(rate "$count" "$sharded") images/s; sharded speed-up over 1 process x 2 threads: $(rate "$whole" "$sharded")x," \
  "over 1 x 1: $(rate "$whole1" "$sharded")x; merged instances.json identical to the 1-thread run: $same"

echo "== train: from-scratch U-Net (128 px, channels 32/64/128), batch 8, synthetic scenes"
"$cli" synth --out "$work/scenes" --count 16 --width 160 --height 160 > /dev/null
config() {  # name
  cat > "$work/$1.json" <<EOF
{"output": "$work/$1/model", "checkpoint_dir": "$work/$1/checkpoints", "log": "$work/$1/log.jsonl",
 "seed": 1, "steps": 40, "batch": 8, "checkpoint_every": 0, "validate_every": 0, "final_validation": false,
 "log_every": 10, "data": {"train": "$work/scenes/instances.json", "augment": true},
 "model": {"resolution": 128, "latent_factor": 8, "block_out_channels": [32, 64, 128],
           "attention": [false, true, true], "attention_head_dim": 32, "norm_groups": 8,
           "text_hidden": 64, "text_layers": 2, "text_heads": 4}}
EOF
}
# The mean seconds per step of the step windows after the first (start-up and warm-up).
steptime() { python3 - "$1" <<'EOF'
import json, sys
w = [json.loads(l) for l in open(sys.argv[1]) if '"event":"step"' in l.replace(' ', '')]
w = [e["seconds_per_step"] for e in w][1:]
print(f"{sum(w) / len(w):.3f}")
EOF
}
config one
"$cli" train --config "$work/one.json" --threads 2 --quiet
config one1
"$cli" train --config "$work/one1.json" --threads 1 --quiet
config two
port=$((20000 + RANDOM % 20000))
for r in 0 1; do
  RANK=$r WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$cli" train --config "$work/two.json" --threads 1 --quiet \
    > "$work/rank-$r.log" 2>&1 &
done
wait
one=$(steptime "$work/one/log.jsonl")
one1=$(steptime "$work/one1/log.jsonl")
two=$(steptime "$work/two/log.jsonl")
echo "1 process x 2 threads: $one s/step; 1 x 1: $one1 s/step; 2 ranks x 1 thread: $two s/step;" \
  "2 ranks / 1 x 2: $(rate "$two" "$one")x, 2 ranks / 1 x 1: $(rate "$two" "$one1")x"
