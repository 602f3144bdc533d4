# jobs/ tests beyond GoogleTest: the curvlab binary's main (jobs/main.cpp): bad input (exit status 2,
# message, disk untouched) and what each subcommand does with it, run by Debian's python3 on the
# binary built in this tree.
add_test(NAME jobs.cli_errors
  COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/jobs/main_test.py
          ${CMAKE_BINARY_DIR}/curvlab ${CMAKE_CURRENT_SOURCE_DIR}/jobs/cases)
set_tests_properties(jobs.cli_errors PROPERTIES LABELS cli TIMEOUT 600
  ENVIRONMENT "OMP_NUM_THREADS=1")

# Sweeps end to end (docs/sweeps.md): validate, bad values (exit 2, nothing written), a 4-run sweep
# killed in its second run (SIGKILL; under mpirun -np 2: SIGTERM to both ranks) and run again equals an
# uninterrupted sweep run by run (bitwise checkpoints); reruns skip finished runs; changed base -> new ids;
# diverged runs are recorded and the sweep goes on.
foreach(mode local mpi)
  set(extra)
  if(mode STREQUAL "mpi")
    set(extra ${CURVLAB_MPIRUN} ${CURVLAB_MPIRUN_FLAGS})
  endif()
  add_test(NAME jobs.sweep.${mode}
    COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/jobs/sweep/sweep_runner_test.py ${CMAKE_BINARY_DIR}/curvlab ${mode} ${extra})
  set_tests_properties(jobs.sweep.${mode} PROPERTIES LABELS jobs PROCESSORS 2 TIMEOUT 300
    ENVIRONMENT "OMP_NUM_THREADS=1")
endforeach()

# Tests of jobs/ code that includes toml++ (toml_text, overrides, section_reader) build on toml++ tables.
target_link_libraries(test_jobs PRIVATE tomlplusplus::tomlplusplus)

# `curvlab report` end to end: a fixture sweep with known curves (CSV numbers, PNG + SVG plots), a
# real short run's curves, and bad input (exit 2).
add_test(NAME jobs.report_cli
  COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/jobs/report/report_test.py ${CMAKE_BINARY_DIR}/curvlab)
set_tests_properties(jobs.report_cli PROPERTIES LABELS cli TIMEOUT 300 ENVIRONMENT "OMP_NUM_THREADS=1")

# The hessian job kind end to end (jobs/hessian/hessian_runner.cpp): a trained checkpoint, 1 and 2 ranks.
add_test(NAME jobs.hessian.job
  COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/jobs/hessian/hessian_runner_test.py
          $<TARGET_FILE:curvlab> ${CURVLAB_MPIRUN} ${CURVLAB_MPIRUN_FLAGS})
set_tests_properties(jobs.hessian.job PROPERTIES LABELS mpi PROCESSORS 2 TIMEOUT 300
  ENVIRONMENT "OMP_NUM_THREADS=1")

# A run killed with SIGKILL under mpirun -np 2: `curvlab status` says interrupted (heartbeat), not
# running; --resume past a truncated checkpoint warns once and finishes it.
add_test(NAME jobs.run.killed_run
  COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/jobs/run/killed_run_test.py
          $<TARGET_FILE:curvlab> ${CURVLAB_MPIRUN} ${CURVLAB_MPIRUN_FLAGS})
set_tests_properties(jobs.run.killed_run PROPERTIES LABELS mpi PROCESSORS 2 TIMEOUT 300
  ENVIRONMENT "OMP_NUM_THREADS=1")

# The attack job kind end to end (jobs/attack/attack_runner.cpp): 1 and 3 ranks give the same
# per-image records; a corrupt checkpoint exits 4, bad values exit 2, nothing written.
add_test(NAME jobs.attack.job
  COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/jobs/attack/attack_runner_test.py
          $<TARGET_FILE:curvlab> ${CURVLAB_MPIRUN} ${CURVLAB_MPIRUN_FLAGS})
set_tests_properties(jobs.attack.job PROPERTIES LABELS mpi PROCESSORS 2 TIMEOUT 300
  ENVIRONMENT "OMP_NUM_THREADS=1")

# TR and DeepFool against their PyTorch twins (scripts/python/curvlab_attacks.py) on the same
# weights and images: target, iterations and perturbation norms per image.
add_test(NAME jobs.attack.twin
  COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/jobs/attack/attack_twin_test.py
          $<TARGET_FILE:curvlab> ${PROJECT_SOURCE_DIR}/scripts/python)
set_tests_properties(jobs.attack.twin PROPERTIES LABELS jobs TIMEOUT 300 ENVIRONMENT "OMP_NUM_THREADS=1")

# The jacobian job kind end to end (jobs/jacobian/jacobian_runner.cpp): 1 and 3 ranks give the same
# records; singular values and FGSM growth against PyTorch on the same weights; bad input exits 2.
add_test(NAME jobs.jacobian.job
  COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/jobs/jacobian/jacobian_runner_test.py
          $<TARGET_FILE:curvlab> ${PROJECT_SOURCE_DIR}/scripts/python ${CURVLAB_MPIRUN} ${CURVLAB_MPIRUN_FLAGS})
set_tests_properties(jobs.jacobian.job PROPERTIES LABELS mpi PROCESSORS 2 TIMEOUT 300
  ENVIRONMENT "OMP_NUM_THREADS=1")

# The reconstruct job kind end to end (jobs/reconstruct/reconstruct_runner.cpp): 1 and 2 ranks agree;
# POD and POD-plus against NumPy; the decoder against its PyTorch twin; resume; bad input exits 2 or 4.
add_test(NAME jobs.reconstruct.job
  COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/jobs/reconstruct/reconstruct_runner_test.py
          $<TARGET_FILE:curvlab> ${PROJECT_SOURCE_DIR}/scripts/python ${CURVLAB_MPIRUN} ${CURVLAB_MPIRUN_FLAGS})
set_tests_properties(jobs.reconstruct.job PROPERTIES LABELS mpi PROCESSORS 2 TIMEOUT 300
  ENVIRONMENT "OMP_NUM_THREADS=1")

# The simulate job kind end to end (jobs/simulate/simulate_runner.cpp): flow.h5 read back with h5py,
# validate writes nothing, a 2 x 2 sweep on 2 ranks equals its variants run alone.
add_test(NAME jobs.simulate.job
  COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/jobs/simulate/simulate_runner_test.py
          $<TARGET_FILE:curvlab> ${CURVLAB_MPIRUN} ${CURVLAB_MPIRUN_FLAGS})
set_tests_properties(jobs.simulate.job PROPERTIES LABELS mpi PROCESSORS 2 TIMEOUT 300
  ENVIRONMENT "OMP_NUM_THREADS=1")
