#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/, clang, in ./build-fuzz) and fuzzes each for a while:
# regression cases (tests/fuzz/regressions/<target>/) are replayed first, then each target runs
# from its seeds (tests/fuzz/corpus/<target>/, examples/*.toml, checkpoints of a tiny run made
# here). Any crash, hang, leak, OOM or sanitizer report fails the run (exit 1) and its input is
# copied to tests/fuzz/regressions/<target>/. See docs/testing.md.
# Usage: scripts/fuzz.sh [--seconds N] [--targets a,b] [--parallel] [--host-build DIR] [--build-dir DIR]
#                       [--jobs N] [--replay-only]
#   --seconds N     fuzzing time per target (default 120; the CI test uses less; 0 = --replay-only)
#   --host-build    an ordinary gcc build with libcurvlab_core.so and curvlab (default ./build;
#                   build it with scripts/build.sh curvlab)
#   --replay-only   replay the regression cases and the seeds, fuzz nothing
#   --parallel      fuzz the targets side by side (one core each) instead of one after the other
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=120
targets=job_parser,state_reader
host=$root/build
out=$root/build-fuzz
jobs=${CURVLAB_JOBS:-$(nproc)}
replay_only=0
parallel=0
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift ;;
    --targets) targets=$2; shift ;;
    --host-build) host=$(cd "$2" && pwd); shift ;;
    --build-dir) mkdir -p "$2"; out=$(cd "$2" && pwd); shift ;;
    --jobs) jobs=$2; shift ;;
    --replay-only) replay_only=1 ;;
    --parallel) parallel=1 ;;
    *) echo "fuzz.sh: unknown argument '$1' (see the usage at the top of scripts/fuzz.sh)" >&2; exit 2 ;;
  esac
  shift
done
[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz.sh: --seconds takes a whole number (got '$seconds')" >&2; exit 2; }
[ "$seconds" = 0 ] && replay_only=1   # libFuzzer reads -max_total_time=0 as "no limit"

for f in libcurvlab_core.so curvlab generated/base/version.h; do
  [ -e "$host/$f" ] || { echo "fuzz.sh: $host/$f is missing: build curvlab first (scripts/build.sh curvlab) or pass --host-build DIR" >&2; exit 2; }
done
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is missing; run scripts/setup.sh" >&2; exit 2; }

t0=$(date +%s)
# A private copy of the host library: a rebuild of the host tree cannot change it under a run.
mkdir -p "$out/host"
cp -L "$host/libcurvlab_core.so" "$out/host/libcurvlab_core.so.0.tmp" && mv "$out/host/libcurvlab_core.so.0.tmp" "$out/host/libcurvlab_core.so.0"
CC=clang CXX=clang++ cmake -S tests/fuzz -B "$out" -DCMAKE_BUILD_TYPE=None ${CURVLAB_FUZZ_CMAKE_ARGS:-} \
  -DCURVLAB_SOURCE_DIR="$root" -DCURVLAB_HOST_BUILD="$host" -DCURVLAB_CORE_LIB="$out/host/libcurvlab_core.so.0" >"$out/configure.log" 2>&1 ||
  { cat "$out/configure.log"; exit 1; }
nice -n 5 cmake --build "$out" -j"$jobs" -- --no-print-directory >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
t_built=$(date +%s)
echo "fuzz: built the targets in $((t_built - t0)) s ($out)"

# ---- seeds ----
seeds=$out/seeds
rm -rf "$seeds" && mkdir -p "$seeds/job_parser" "$seeds/state_reader"
cp tests/fuzz/corpus/job_parser/* examples/*.toml "$seeds/job_parser/"
# the CLI tests' bad job files (tests/jobs/cases/), under their own names
for f in tests/jobs/cases/*.toml; do cp "$f" "$seeds/job_parser/case_$(basename "$f")"; done
cp tests/fuzz/corpus/state_reader/* "$seeds/state_reader/" 2>/dev/null || true
# Real state files: checkpoints and results of a tiny SGD run and a tiny K-FAC run (seconds).
seedrun=$out/seedrun
rm -rf "$seedrun"
for opt in sgd kfac; do
  OMP_NUM_THREADS=1 "$host/curvlab" run tests/fuzz/seed_job.toml --quiet --set job.output_dir="$seedrun/$opt" \
    --set train.optimizer=\"$opt\" >"$out/seedrun_$opt.log" 2>&1 || { cat "$out/seedrun_$opt.log"; exit 1; }
  for f in "$seedrun/$opt"/checkpoints/*.h5 "$seedrun/$opt/results.h5"; do
    cp "$f" "$seeds/state_reader/${opt}_$(basename "$f")"
  done
done

# ---- run ----
# -timeout: one input running longer is a hang. -rss_limit_mb/-malloc_limit_mb: an input that makes
# the reader allocate more than this (e.g. a forged dataset shape) is an OOM finding.
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$root/tests/sanitize/lsan.supp:print_suppressions=0"
export TMPDIR=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
common=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1)
# run_target T: replay, then fuzz; prints what it found; exit status 1 on a finding.
run_target() {
  local t=$1 bin=$out/${1}_fuzz regress=$root/tests/fuzz/regressions/$1 art=$out/artifacts/$1 log=$out/$1.log
  # state_reader: full allocation stacks (fast_unwind_on_malloc=0), so that tests/sanitize/lsan.supp
  # can match HDF5's own leaks by function; the frame-pointer unwinder stops inside libhdf5. Costs
  # ~10x in inputs/s, so not for job_parser, which needs no suppression.
  if [ "$t" = state_reader ]; then local ASAN_OPTIONS="fast_unwind_on_malloc=0:$ASAN_OPTIONS"; export ASAN_OPTIONS; fi
  mkdir -p "$regress" "$art" "$out/corpus/$t"
  rm -f "$art"/*
  # 1. Regression cases and seeds, each run once (a file argument is run, not fuzzed).
  local cases status=0
  mapfile -t cases < <(find "$regress" "$seeds/$t" -type f ! -name '.*' ! -name README.md | sort)
  "$bin" "${common[@]}" -artifact_prefix="$art/" "${cases[@]}" >"$log.replay" 2>&1 || status=$?
  if [ "$status" != 0 ]; then
    echo "fuzz: $t FAILED replaying its regression cases and seeds (exit $status):"; tail -n 40 "$log.replay"
    return 1
  fi
  echo "fuzz: $t: ${#cases[@]} regression cases and seeds replayed, no finding"
  [ "$replay_only" = 1 ] && return 0
  # 2. Fuzzing (the work corpus in <build-dir>/corpus/<target>/ grows across runs on one machine).
  "$bin" "${common[@]}" -max_total_time="$seconds" -artifact_prefix="$art/" \
    "$out/corpus/$t" "$seeds/$t" >"$log" 2>&1 || status=$?
  local stats cov
  stats=$(grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$log" |
          sed 's/^stat:://' | tr '\n' ' ')
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
  if [ "$status" != 0 ]; then
    echo "fuzz: $t FAILED after fuzzing (exit $status): $stats"
    tail -n 60 "$log"
    # The inputs libFuzzer names in its log (crash-*, timeout-*, oom-*, leak-*), not other files
    # in the artifact folder.
    local a
    for a in $(grep -oE 'Test unit written to [^ ]+' "$log" | sed 's/^Test unit written to //'); do
      [ -f "$a" ] || continue
      cp "$a" "$regress/"
      echo "fuzz: kept $a as tests/fuzz/regressions/$t/$(basename "$a")"
    done
    return 1
  fi
  echo "fuzz: $t: ${seconds} s, no finding ($cov; $stats)"
}

failed=()
IFS=, read -ra list <<<"$targets"
for t in "${list[@]}"; do
  [ -x "$out/${t}_fuzz" ] || { echo "fuzz.sh: no target '$t' (targets: job_parser, state_reader)" >&2; exit 2; }
done
if [ "$parallel" = 1 ]; then
  # One core per target: their output is printed when both are done.
  pids=()
  for t in "${list[@]}"; do run_target "$t" >"$out/$t.summary" 2>&1 & pids+=($!); done
  for i in "${!list[@]}"; do
    wait "${pids[$i]}" || failed+=("${list[$i]}")
    cat "$out/${list[$i]}.summary"
  done
else
  for t in "${list[@]}"; do run_target "$t" || failed+=("$t"); done
fi
echo "fuzz: total $(( $(date +%s) - t0 )) s (build $((t_built - t0)) s)"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (logs in $out/<target>.log; inputs in tests/fuzz/regressions/)" >&2
  exit 1
fi
echo "fuzz: every target passed"
