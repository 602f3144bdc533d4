#!/bin/bash
# Hessian benchmarks (docs/performance.md, "Hessian"): HVP vs gradient cost, Hutchinson trace and
# power iteration with 1 and 2 ranks, and the PyTorch-Python reference on the same checkpoint, both
# per core (1 thread each) and on the same 2 cores (Python: 2 threads; curvlab: 2 ranks, and 1 rank
# with 2 threads). curvlab runs once with one chunk per rank (PyHessian's single-batch mode, the
# same graph as the Python reference) and once in chunks of CHUNK samples (the hessian job's
# hessian.batch_size default, 64).
# usage: bench/hessian_bench.sh BUILD_DIR CHECKPOINT_OR_RUN_DIR [samples=1000] [probes=20] [iters=20] [chunk=64]
# (a checkpoint of examples/default.toml: curvlab run examples/default.toml, then runs/default)
set -euo pipefail
build=$1; ckpt=$2; samples=${3:-1000}; probes=${4:-20}; iters=${5:-20}; chunk=${6:-64}
mpirun=(mpirun --oversubscribe --allow-run-as-root --bind-to none --mca btl self,vader)
bench=$build/bench/bench_hessian
ref=$(dirname "$0")/hessian_reference.py
dump=$(mktemp --suffix=.h5)
out=$(mktemp)
trap 'rm -f "$dump" "$out"' EXIT
# Runs one curvlab configuration (tee'd) and sets T_TRACE / T_POWER from its output.
measure() {
  "$@" | tee "$out"
  T_TRACE=$(sed -n 's/^hutchinson: .* in \([0-9.]*\) s .*/\1/p' "$out")
  T_POWER=$(sed -n 's/^power iteration: .* in \([0-9.]*\) s:.*/\1/p' "$out")
}

echo "== curvlab, 1 rank, 1 thread, one chunk"
measure env OMP_NUM_THREADS=1 "$bench" "$ckpt" "$samples" "$probes" "$iters" 1 "$dump"
one=("$T_TRACE" "$T_POWER")
echo "== curvlab, 1 rank, 1 thread, chunks of $chunk"
measure env OMP_NUM_THREADS=1 "$bench" "$ckpt" "$samples" "$probes" "$iters" 1 - "$chunk"
one_c=("$T_TRACE" "$T_POWER")
echo "== PyTorch-Python reference (same weights, samples and probe vectors), 1 thread"
OMP_NUM_THREADS=1 /usr/bin/python3 "$ref" "$dump" 1 \
  --against "${one[0]}" "${one[1]}" "curvlab 1 rank x 1 thread, one chunk" \
  --against "${one_c[0]}" "${one_c[1]}" "curvlab 1 rank x 1 thread, chunks of $chunk"

echo "== curvlab, 2 ranks, 1 thread each (data-parallel), one chunk per rank"
measure env OMP_NUM_THREADS=1 "${mpirun[@]}" -np 2 "$bench" "$ckpt" "$samples" "$probes" "$iters" 1
two=("$T_TRACE" "$T_POWER")
echo "== curvlab, 2 ranks, 1 thread each, chunks of $chunk"
measure env OMP_NUM_THREADS=1 "${mpirun[@]}" -np 2 "$bench" "$ckpt" "$samples" "$probes" "$iters" 1 - "$chunk"
two_c=("$T_TRACE" "$T_POWER")
echo "== curvlab, 1 rank, 2 threads, chunks of $chunk"
measure env OMP_NUM_THREADS=2 "$bench" "$ckpt" "$samples" "$probes" "$iters" 2 - "$chunk"
thr_c=("$T_TRACE" "$T_POWER")
echo "== PyTorch-Python reference, 2 threads, vs curvlab on the same 2 cores"
OMP_NUM_THREADS=2 /usr/bin/python3 "$ref" "$dump" 2 \
  --against "${two[0]}" "${two[1]}" "curvlab 2 ranks x 1 thread, one chunk per rank" \
  --against "${two_c[0]}" "${two_c[1]}" "curvlab 2 ranks x 1 thread, chunks of $chunk" \
  --against "${thr_c[0]}" "${thr_c[1]}" "curvlab 1 rank x 2 threads, chunks of $chunk"
