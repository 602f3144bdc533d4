# The fuzz smoke test: scripts/fuzz.sh builds the libFuzzer targets with clang (tests/fuzz/CMakeLists.txt,
# in <build>/fuzz, against this build's libcurvlab_core.so), replays tests/fuzz/regressions/, and fuzzes
# the job parser and the state-file reader side by side for CURVLAB_FUZZ_SECONDS each. A finding fails it
# and is kept in tests/fuzz/regressions/<target>/. Longer runs: scripts/fuzz.sh --seconds N (docs/testing.md).
set(CURVLAB_FUZZ_SECONDS 30 CACHE STRING "Seconds of fuzzing per target in the fuzz ctest")
add_test(NAME fuzz.smoke
  COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/fuzz.sh --seconds ${CURVLAB_FUZZ_SECONDS} --parallel
          --host-build ${CMAKE_BINARY_DIR} --build-dir ${CMAKE_BINARY_DIR}/fuzz)
set_tests_properties(fuzz.smoke PROPERTIES LABELS fuzz PROCESSORS 2 TIMEOUT 900)
