#!/usr/bin/env bash
# README command 2: install what is missing, build, and run the whole test suite with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd build
ctest --output-on-failure -j"${CURVLAB_TEST_JOBS:-2}" --timeout 600
