#!/usr/bin/env bash
# Regenerates the README's GUI screenshots: the real `labeldiff` binary under Xvfb, driven
# by keyboard and mouse as a person would (xdotool), captured with xwd. Needs the Debian
# packages xvfb, xauth, xdotool, x11-apps, imagemagick and python3.
#   [CATEGORIES=a,b] docs/take_screenshots.sh BUILD_DIR MODEL_DIR [IMAGES_DIR] [STEPS] [MID_SECONDS] [SETTLE_SECONDS]
# IMAGES_DIR holds the images (default: the bundled samples; the facade photos come first).
set -euo pipefail
build=${1:?build dir}; model=${2:?model dir}
here=$(cd "$(dirname "$0")" && pwd)
images=${3:-$here/../resources/samples}
steps=${4:-30}; mid=${5:-3}; settle=${6:-40}
CATEGORIES=${CATEGORIES:-facade,window,car}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A fresh project on copies of the images (the run writes a project and an autosave; keep
# them out of the repository): the dataset's categories, none of its annotations.
for f in "$images"/*.jpg "$images"/*.png; do [ -e "$f" ] && cp "$f" "$work/"; done
python3 - "$work" "$CATEGORIES" <<'PY'
import json, os, struct, sys
work, wanted = sys.argv[1], sys.argv[2].split(",")

def size(path):  # (width, height) from the PNG or JPEG header
    data = open(path, "rb").read()
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", data[16:24])
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + length
    raise SystemExit(path + ": no image size found")

palette = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40]]
cats = [{"id": i + 1, "name": n, "prompt": "", "color": palette[i % 4], "isthing": True} for i, n in enumerate(wanted)]
files = sorted(f for f in os.listdir(work) if f.endswith((".jpg", ".png")))
images = []
for i, f in enumerate(files):
    w, h = size(os.path.join(work, f))
    images.append({"id": i + 1, "file_name": f, "width": w, "height": h, "status": "unlabelled"})
json.dump({"labeldiff_project": 1, "images": images, "categories": cats, "annotations": [],
           "phrase_history": [], "thresholds": {"global": 0.5}}, open(work + "/project.labeldiff", "w"))
PY
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
    xwd -silent -id "$win" | "$CONVERT" xwd:- -resize 1000x -strip -colors 256 "PNG8:$1/screenshot-trajectory.png"
    sleep "$3"  # until the last phrase is done
    xdotool mousemove $((WIDTH / 2)) $((HEIGHT / 2)) click 1
    xdotool key Return                                          # accept the proposals
    sleep 1
    xwd -silent -id "$win" | "$CONVERT" xwd:- -resize 1000x -strip -colors 256 "PNG8:$1/screenshot-accepted.png"
    kill $app
  ' "$build" "$work" "$mid" "$settle"
cp "$work"/screenshot-*.png "$here/"
ls -l "$here"/screenshot-*.png
