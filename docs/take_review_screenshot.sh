#!/usr/bin/env bash
# The review queue's screenshot (docs/screenshot-review-queue.png): `labeldiff-cli label`
# proposes masks for a few photos (each with its uncertainty, kept in COCO's "extra"), the
# real `labeldiff` opens that folder under Xvfb with the browser sorted most uncertain first
# and the queue filter on, and N opens the most uncertain image, whose uncertain proposals
# the canvas rings. Needs what docs/take_screenshots.sh needs.
#   docs/take_review_screenshot.sh BUILD_DIR MODEL_DIR IMAGES... 
set -euo pipefail
build=${1:?build dir}; model=${2:?model dir}; shift 2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/photos"
for f in "$@"; do cp "$f" "$work/photos/"; done
LABELDIFF_THREADS=1 "$build/app/labeldiff-cli" label --model "$model" --images "$work/photos" --out "$work/labelled" \
  --prompt window --prompt car --prompt street --prompt vegetation --prompt facade --threads 1 > /dev/null
cp "$work/labelled/instances.json" "$work/photos/"
mkdir -p "$work/config/LabelDiff"
printf '[sampler]\nmodel=%s\n[browser]\nsortByUncertainty=true\n' "$model" > "$work/config/LabelDiff/LabelDiff.conf"
export CONVERT=${CONVERT:-/usr/bin/convert}
xvfb-run -a -s '-screen 0 1600x1000x24' env XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" \
  bash -c '
    set -e
    "$0/app/labeldiff" "$1/photos" & app=$!
    win=$(xdotool search --sync --onlyvisible --name "LabelDiff" | head -1)
    xdotool windowsize "$win" 1500 950; xdotool windowmove "$win" 0 0
    sleep 8  # model load and first image
    eval $(xdotool getwindowgeometry --shell "$win")
    xdotool mousemove $((WIDTH / 2)) $((HEIGHT / 2)) click 1   # focus the canvas
    xdotool key n                                               # the most uncertain image
    sleep 3
    xwd -silent -id "$win" | "$CONVERT" xwd:- -resize 1000x -strip -colors 256 "PNG8:$1/screenshot-review-queue.png"
    kill $app
  ' "$build" "$work"
cp "$work/screenshot-review-queue.png" "$here/"
ls -l "$here/screenshot-review-queue.png"
