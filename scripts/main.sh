#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the main job (examples/default.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
mode=()
if [ -e runs/default/job.toml ]; then mode=(--force); echo "main: runs/default holds an earlier run; starting it over (--force)"; fi
./build/curvlab run examples/default.toml "${mode[@]}"
echo "main: results in runs/default/ (results.h5, metrics_steps.csv, metrics_evals.csv, checkpoints/)"
