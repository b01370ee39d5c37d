#!/usr/bin/env bash
# The screenshot of "Improve the model from my reviews" (docs/screenshot-model-history.png):
# test_model_improvement runs the improvement on a tiny model in the real window, offscreen,
# and grabs the window once both models are scored — the dock with the run, the offer to
# switch (when the new model scored better) and the project's model history.
#   docs/take_model_history_screenshot.sh BUILD_DIR
set -euo pipefail
build=${1:?build dir}
here=$(cd "$(dirname "$0")" && pwd)
QT_QPA_PLATFORM=offscreen LABELDIFF_THREADS=1 OMP_NUM_THREADS=1 LABELDIFF_SCREENSHOT_DIR="$here" \
  "$build/tests/test_model_improvement" improvePauseResumeSwitchAndReturn
ls -l "$here/screenshot-model-history.png"
