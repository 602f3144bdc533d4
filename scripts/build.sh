#!/usr/bin/env bash
# Configures and builds curvlab in ./build (Release, ccache when present, all cores by default).
# Usage: scripts/build.sh [TARGET...]   (no target: everything, tests and benchmarks included;
#        scripts/main.sh builds only `curvlab`, the executable the main job needs)
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j"${CURVLAB_JOBS:-$(nproc)}" "${targets[@]}"
