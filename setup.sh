#!/usr/bin/env bash
# LabelDiff set-up for a fresh Debian 12 machine: installs what is missing (Debian
# packages only), builds, then either runs the main job or the whole test suite.
#
#   ./setup.sh run [IMAGES_DIR]   build and run the main job (GUI with a display, headless otherwise)
#   ./setup.sh test               build and run every test through CTest
#
# Environment: BUILD_DIR (default build), JOBS (default: number of cores).
set -euo pipefail
cd "$(dirname "$0")"
mode=${1:-run}
shift || true
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev libopenblas0-pthread
  libopencv-dev nlohmann-json3-dev libcli11-dev libbenchmark-dev
  qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-charts-dev qt6-svg-dev libqt6opengl6-dev
  libgl-dev xvfb xauth
  # c10d's Gloo headers (data-parallel training); a one-node Slurm for the cluster test
  libgloo-dev munge slurmd slurmctld slurm-client
)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "== installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  echo "== configuring and building in $BUILD_DIR with $JOBS jobs"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

install_missing
build

# The main job: label the images with the embedded default model. With a display and the
# GUI built, open the GUI on them with that model; otherwise batch-label them headless
# (COCO + overlay images) and print where the results are.
main_job() {
  local images=${1:-resources/samples}
  local out=${LABELDIFF_OUT:-$PWD/labeldiff-output}
  local model=${LABELDIFF_MODEL:-resources/models/facade-small}
  if [ -n "${DISPLAY:-}" ] && [ -x "$BUILD_DIR/app/labeldiff" ]; then
    exec "$BUILD_DIR/app/labeldiff" --model "$model" "$images"
  fi
  "$BUILD_DIR/app/labeldiff-cli" label --model "$model" --images "$images" --out "$out"
  echo "results: $out (instances.json, overlays/)"
}

case "$mode" in
  run)
    main_job "$@" ;;
  test)
    cd "$BUILD_DIR"
    # ctest's summary is what CI reads: it must be the last thing printed.
    exec ctest --output-on-failure -j "$JOBS" ;;
  *)
    echo "usage: ./setup.sh run [IMAGES_DIR] | ./setup.sh test" >&2; exit 2 ;;
esac
