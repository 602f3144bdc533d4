# jobs/ tests beyond GoogleTest: bad input to the curvlab binary (exit status 2, message, disk
# untouched), run by Debian's python3 on the binary built in this tree.
add_test(NAME jobs.cli_errors
  COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/jobs/cli_errors_test.py
          ${CMAKE_BINARY_DIR}/curvlab ${CMAKE_CURRENT_SOURCE_DIR}/jobs/cases)
set_tests_properties(jobs.cli_errors PROPERTIES LABELS cli TIMEOUT 600
  ENVIRONMENT "OMP_NUM_THREADS=1")

# `curvlab report` end to end: a fixture sweep with known curves (CSV numbers, PNG + SVG plots), a
# real short run's curves, and bad input (exit 2).
add_test(NAME jobs.report_cli
  COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/jobs/report_cli_test.py ${CMAKE_BINARY_DIR}/curvlab)
set_tests_properties(jobs.report_cli PROPERTIES LABELS cli TIMEOUT 300 ENVIRONMENT "OMP_NUM_THREADS=1")
