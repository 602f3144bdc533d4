#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer build (gcc) of the unit and MPI tests in ./build-asan,
# then runs them; any failing test or sanitizer report fails the run. Not part of CI (the build
# takes well over 30 min on 2 cores); see docs/testing.md.
# The unit tests run as whole GoogleTest binaries, one process per test folder (test_base, ...,
# test_jobs): under ASan each process start costs about 5 s, so ctest's one process per test would
# take about 90 min for the 631 unit tests, the whole binaries about 6 min. The mpi tests run
# through ctest (-L mpi), since their commands are mpirun lines ctest holds.
# Usage: scripts/sanitize.sh [--build-only] [--jobs N] [--only unit|mpi] [--gtest-filter PATTERN]
#                            [-- EXTRA CTEST ARGS FOR THE MPI TESTS...]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build_only=0
only=
gtest_filter='*'
jobs=${CURVLAB_JOBS:-$(nproc)}
ctest_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --build-only) build_only=1 ;;
    --jobs) jobs=$2; shift ;;
    --only)
      only=$2; shift
      case $only in unit|mpi) ;; *) echo "sanitize.sh: --only takes 'unit' or 'mpi', not '$only'" >&2; exit 2 ;; esac ;;
    --gtest-filter) gtest_filter=$2; shift ;;
    --) shift; ctest_args=("$@"); break ;;
    *) echo "sanitize.sh: unknown argument '$1' (usage: --build-only, --jobs N, --only unit|mpi, --gtest-filter PATTERN, -- CTEST ARGS)" >&2; exit 2 ;;
  esac
  shift
done

bash scripts/setup.sh
# -O1 -g1: line numbers in reports at a fraction of -O2 -g's compile time. Benchmarks are not built.
flags="-fsanitize=address,undefined -fno-omit-frame-pointer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="$flags" -DCMAKE_SHARED_LINKER_FLAGS="$flags" \
  -DCURVLAB_BUILD_BENCH=OFF -DCURVLAB_WITH_NCCL=OFF
nice -n 10 cmake --build build-asan -j"$jobs"
[ "$build_only" = 1 ] && exit 0

supp=$root/tests/sanitize
# halt_on_error everywhere: the first report ends the process with a non-zero status, so the test
# fails. detect_leaks stays on; LeakSanitizer's suppressions name only Open MPI, LibTorch and the
# other uninstrumented libraries (tests/sanitize/lsan.supp says why each one is there).
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:fast_unwind_on_malloc=0:strict_string_checks=1:check_initialization_order=1:suppressions=$supp/asan.supp"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$supp/ubsan.supp"
# mpirun starts the ranks of one node with its own environment, so the options reach every rank.
log=$root/build-asan/sanitize.log
: >"$log"
failed=()
if [ "$only" != mpi ]; then
  # The environment ctest gives the unit tests (tests/CMakeLists.txt), and its working directory.
  for folder in base comm algorithms engine cluster jobs; do
    bin=$root/build-asan/tests/test_$folder
    [ -x "$bin" ] || { echo "sanitize: $bin was not built" >&2; exit 1; }
    echo "== test_$folder ($gtest_filter)" | tee -a "$log"
    set +e
    (cd "$root/build-asan/tests" && OMP_NUM_THREADS=1 "$bin" --gtest_filter="$gtest_filter" --gtest_brief=1) 2>&1 | tee -a "$log"
    rc=${PIPESTATUS[0]}
    set -e
    [ "$rc" = 0 ] || failed+=("test_$folder (exit $rc)")
  done
fi
if [ "$only" != unit ]; then
  echo "== ctest -L mpi" | tee -a "$log"
  set +e
  (cd "$root/build-asan" && ctest -L mpi --output-on-failure -j"${CURVLAB_TEST_JOBS:-2}" --timeout 1800 "${ctest_args[@]}") 2>&1 | tee -a "$log"
  rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" = 0 ] || failed+=("ctest -L mpi (exit $rc)")
fi
# A report in a process whose exit status a test does not check (a helper, a child) still counts.
if grep -nE '^(==[0-9]+==ERROR: (Address|Leak)Sanitizer|SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer|.*: runtime error: )' "$log"; then
  echo "sanitize: sanitizer reports above (full log: $log)" >&2
  exit 1
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "sanitize: failed: ${failed[*]} (log: $log)" >&2
  exit 1
fi
echo "sanitize: tests passed under ASan+UBSan, no reports (log: $log)"
