#!/bin/bash
# Hessian benchmarks (docs/performance.md, "Hessian"): HVP vs gradient cost, Hutchinson trace and
# power iteration with 1 and 2 ranks, and the PyTorch-Python reference on the same checkpoint.
# usage: bench/hessian_bench.sh BUILD_DIR CHECKPOINT_OR_RUN_DIR [samples=1000] [probes=20] [iters=20]
# (a checkpoint of examples/default.toml: curvlab run examples/default.toml, then runs/default)
set -euo pipefail
build=$1; ckpt=$2; samples=${3:-1000}; probes=${4:-20}; iters=${5:-20}
mpirun=(mpirun --oversubscribe --allow-run-as-root --bind-to none --mca btl self,vader)
dump=$(mktemp --suffix=.h5)
export OMP_NUM_THREADS=1
echo "== 1 rank, 1 thread"
"$build/bench/bench_hessian" "$ckpt" "$samples" "$probes" "$iters" 1 "$dump"
echo "== PyTorch-Python reference (same weights, samples and probe vectors), 1 thread"
/usr/bin/python3 "$(dirname "$0")/hessian_reference.py" "$dump" 1
echo "== 2 ranks, 1 thread each (data-parallel)"
"${mpirun[@]}" -np 2 "$build/bench/bench_hessian" "$ckpt" "$samples" "$probes" "$iters" 1
rm -f "$dump"
