#!/bin/bash
# Submits a sharded labelling run: an array of N label tasks and the merge job that waits
# for all of them. Prints both job ids.
#
#   IMAGES=/data/photos OUT=/scratch/labels packaging/cluster/submit-label.sh 16 [sbatch options...]
#
# Options after N go to both sbatch calls (e.g. --partition=cpu --account=lab).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${1:?usage: submit-label.sh N [sbatch options...]}
shift
: "${IMAGES:?set IMAGES}" "${OUT:?set OUT}"
mkdir -p "$OUT"
array=$(sbatch --parsable --array=0-$((n - 1)) --chdir="$OUT" "$@" "$here/label-array.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes --chdir="$OUT" "$@" \
  "$here/label-merge.sbatch")
echo "array job $array ($n tasks), merge job ${merge%%;*}: results in $OUT/merged"
