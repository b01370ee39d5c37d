#!/usr/bin/env bash
# Regenerates the README's GUI screenshots: the real `labeldiff` binary under Xvfb, driven
# by keyboard and mouse as a person would (xdotool), captured with xwd. Needs the Debian
# packages xvfb, xauth, xdotool, x11-apps and imagemagick.
#   docs/take_screenshots.sh BUILD_DIR MODEL_DIR [IMAGES_DIR] [STEPS] [MID_SECONDS]
set -euo pipefail
build=${1:?build dir}; model=${2:?model dir}
here=$(cd "$(dirname "$0")" && pwd)
images=${3:-$here/../resources/samples}
steps=${4:-30}; mid=${5:-1.5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$images"/* "$work/"  # the run writes a project and an autosave; keep them out of the repository
mkdir -p "$work/config/LabelDiff"
# Enough steps for a trajectory to watch; everything else from the model card.
printf '[sampler]\nsteps=%s\nmodel=%s\nthreshold=0.5\n' "$steps" "$model" > "$work/config/LabelDiff/LabelDiff.conf"

export CONVERT=${CONVERT:-/usr/bin/convert}  # Debian ImageMagick, whatever else is on PATH
xvfb-run -a -s '-screen 0 1600x1000x24' env XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" \
  bash -c '
    set -e
    "$0/app/labeldiff" "$1" & app=$!
    win=$(xdotool search --sync --onlyvisible --name "LabelDiff" | head -1)
    xdotool windowsize "$win" 1500 950; xdotool windowmove "$win" 0 0
    sleep 6  # model load and first image
    eval $(xdotool getwindowgeometry --shell "$win")
    xdotool mousemove $((WIDTH / 2)) $((HEIGHT / 2)) click 1   # focus the canvas
    xdotool key ctrl+shift+Return                              # segment all categories
    sleep "$2"
    xwd -silent -id "$win" | "$CONVERT" xwd:- -resize 1200x "$1/screenshot-trajectory.png"
    sleep 20
    xdotool mousemove $((WIDTH / 2)) $((HEIGHT / 2)) click 1
    xdotool key Return                                          # accept the proposals
    sleep 1
    xwd -silent -id "$win" | "$CONVERT" xwd:- -resize 1200x "$1/screenshot-accepted.png"
    kill $app
  ' "$build" "$work" "$mid"
cp "$work"/screenshot-*.png "$here/"
ls -l "$here"/screenshot-*.png
