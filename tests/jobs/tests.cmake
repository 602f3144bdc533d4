# jobs/ tests beyond GoogleTest: bad input to the curvlab binary (exit status 2, message, disk
# untouched), run by Debian's python3 on the binary built in this tree.
add_test(NAME jobs.cli_errors
  COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/jobs/cli_errors_test.py
          ${CMAKE_BINARY_DIR}/curvlab ${CMAKE_CURRENT_SOURCE_DIR}/jobs/cases)
set_tests_properties(jobs.cli_errors PROPERTIES LABELS cli TIMEOUT 600
  ENVIRONMENT "OMP_NUM_THREADS=1")
