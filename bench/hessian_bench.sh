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
# measure ARRAY LABEL CMD...: runs one curvlab configuration (output shown) and appends
# "--against TRACE_S POWER_S 'curvlab LABEL'" to the array named ARRAY, for the Python reference.
measure() {
  local -n into=$1
  local label=$2
  shift 2
  echo "== curvlab, $label"
  "$@" | tee "$out"
  into+=(--against "$(sed -n 's/^hutchinson: .* in \([0-9.]*\) s .*/\1/p' "$out")"
         "$(sed -n 's/^power iteration: .* in \([0-9.]*\) s:.*/\1/p' "$out")" "curvlab $label")
}
run=("$bench" "$ckpt" "$samples" "$probes" "$iters")

one_core=()
measure one_core "1 rank x 1 thread, one chunk" env OMP_NUM_THREADS=1 "${run[@]}" 1 "$dump"
measure one_core "1 rank x 1 thread, chunks of $chunk" env OMP_NUM_THREADS=1 "${run[@]}" 1 - "$chunk"
echo "== PyTorch-Python reference (same weights, samples and probe vectors), 1 thread"
OMP_NUM_THREADS=1 /usr/bin/python3 "$ref" "$dump" 1 "${one_core[@]}"

two_cores=()
measure two_cores "2 ranks x 1 thread, one chunk per rank" env OMP_NUM_THREADS=1 "${mpirun[@]}" -np 2 "${run[@]}" 1
measure two_cores "2 ranks x 1 thread, chunks of $chunk" env OMP_NUM_THREADS=1 "${mpirun[@]}" -np 2 "${run[@]}" 1 - "$chunk"
measure two_cores "1 rank x 2 threads, chunks of $chunk" env OMP_NUM_THREADS=2 "${run[@]}" 2 - "$chunk"
echo "== PyTorch-Python reference, 2 threads, vs curvlab on the same 2 cores"
OMP_NUM_THREADS=2 /usr/bin/python3 "$ref" "$dump" 2 "${two_cores[@]}"
