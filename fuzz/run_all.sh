#!/usr/bin/env bash
# Runs every fuzz target of a -DLABELDIFF_FUZZ=ON build for SECONDS each, one at a time,
# on its corpus BUILD_DIR/corpus/<target> (fuzz/make_corpus.py makes it; run once first),
# and prints per target: executions, exec/s and crashes found. Configures and builds
# nothing.
#
#   fuzz/run_all.sh BUILD_DIR SECONDS [TARGET...]
#
# libFuzzer stops at the first crash; the run is then restarted for the time left, so a
# target may report several crashes (often the same bug). Reproducers land in
# BUILD_DIR/artifacts/<target>/ (crash-*, leak-*, timeout-*, oom-*), logs in
# BUILD_DIR/logs/<target>.log. Extra libFuzzer flags: FUZZ_FLAGS="-only_ascii=1 ...".
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
  exit 2
fi
build=$(cd "$1" && pwd) || exit 2
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for bin in "$build"/fuzz/fuzz_*; do
    [ -x "$bin" ] && targets+=("$(basename "$bin" | sed 's/^fuzz_//')")
  done
fi
[ ${#targets[@]} -gt 0 ] || { echo "no fuzz targets in $build/fuzz (build with -DLABELDIFF_FUZZ=ON)" >&2; exit 1; }

# JSON-shaped inputs get the dictionary.
json_targets=" coco labelme project panoptic narrative polygon json tokenizer safetensors "
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

printf '%-10s %8s %12s %9s %8s\n' target seconds executions exec/s crashes
status=0
for t in "${targets[@]}"; do
  bin=$build/fuzz/fuzz_$t
  [ -x "$bin" ] || { echo "$t: no $bin" >&2; status=1; continue; }
  corpus=$build/corpus/$t
  artifacts=$build/artifacts/$t
  log=$build/logs/$t.log
  mkdir -p "$corpus" "$artifacts" "$build/logs"
  : > "$log"
  dict=()
  case "$json_targets" in *" $t "*) dict=(-dict="$here/json.dict") ;; esac
  before=$(ls "$artifacts" | wc -l)
  execs=0
  start=$(date +%s)
  while :; do
    left=$(( seconds - ($(date +%s) - start) ))
    [ "$left" -ge 1 ] || break
    runlog=$(mktemp)
    # shellcheck disable=SC2086
    nice "$bin" -max_total_time="$left" -malloc_limit_mb=512 -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" ${FUZZ_FLAGS:-} "$corpus" > "$runlog" 2>&1
    rc=$?
    cat "$runlog" >> "$log"
    n=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$runlog" | tail -1 | awk '{print $2}')
    if [ -z "$n" ]; then  # killed before the final stats: the last status line
      n=$(grep -oE '^#[0-9]+' "$runlog" | tail -1 | tr -d '#')
    fi
    execs=$(( execs + ${n:-0} ))
    rm -f "$runlog"
    # A crashed run leaves its scratch folder (fuzz_entry_points.cpp) behind.
    for d in /dev/shm/labeldiff-fuzz-* "${TMPDIR:-/tmp}"/labeldiff-fuzz-*; do
      [ -d "$d" ] && ! kill -0 "${d##*-}" 2>/dev/null && rm -rf "$d"
    done
    [ "$rc" -eq 0 ] && break
  done
  elapsed=$(( $(date +%s) - start ))
  crashes=$(( $(ls "$artifacts" | wc -l) - before ))
  [ "$crashes" -gt 0 ] && status=1
  printf '%-10s %8d %12d %9d %8d\n' "$t" "$elapsed" "$execs" $(( execs / (elapsed > 0 ? elapsed : 1) )) "$crashes"
done
exit $status
