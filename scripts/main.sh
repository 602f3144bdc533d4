#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the main job: the batch-size scaling
# study of examples/scaling_study.toml (SGD vs K-FAC on Fashion-MNIST, 2 ranks), then its report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh curvlab   # only the executable; scripts/test.sh builds the rest
flags=(--oversubscribe --bind-to none)
if [ "$(id -u)" = 0 ]; then flags+=(--allow-run-as-root); fi
# A rerun skips finished runs and resumes an interrupted one (docs/sweeps.md).
mpirun "${flags[@]}" -np 2 ./build/curvlab run examples/scaling_study.toml
./build/curvlab report runs/scaling
echo "main: runs in runs/scaling/runs/<id>/ (results.h5, metrics_*.csv, checkpoints/);"
echo "main: report in runs/scaling/report/: summary.md, steps_to_target.{csv,md}, plots *.png and *.svg"
