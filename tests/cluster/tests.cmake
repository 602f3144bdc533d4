# cluster/ tests beyond GoogleTest (run by Debian's python3 on the curvlab binary of this tree):
# - cluster.signal_resume.{local,mpi}: SIGUSR1 to a running job -> checkpoint, exit 75, --auto-resume
#   finishes it bitwise equal to an uninterrupted run (1 process; 2 ranks with the signal to rank 1).
# - cluster.slurm.{array,mpi,requeue}: a real single-node Slurm started by scripts/slurm/start_slurm.sh
#   (installed with apt-get when missing and run as root); SKIPPED (exit 77) where it cannot start.
foreach(mode local mpi)
  set(extra)
  if(mode STREQUAL "mpi")
    set(extra ${CURVLAB_MPIRUN} ${CURVLAB_MPIRUN_FLAGS})
  endif()
  add_test(NAME cluster.signal_resume.${mode}
    COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/cluster/signal_resume_test.py
            ${CMAKE_BINARY_DIR}/curvlab ${mode} ${extra})
  set_tests_properties(cluster.signal_resume.${mode} PROPERTIES LABELS cluster PROCESSORS 2 TIMEOUT 300
    ENVIRONMENT "OMP_NUM_THREADS=1")
endforeach()

set(port 16817)
foreach(mode array mpi requeue)
  add_test(NAME cluster.slurm.${mode}
    COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/cluster/slurm_test.py
            ${CMAKE_BINARY_DIR}/curvlab ${PROJECT_SOURCE_DIR} ${mode} ${port} ${CURVLAB_MPIRUN} ${CURVLAB_MPIRUN_FLAGS})
  # One test cluster at a time (same ports would clash; 2 cores).
  set_tests_properties(cluster.slurm.${mode} PROPERTIES LABELS "cluster;slurm" PROCESSORS 2 TIMEOUT 400
    SKIP_RETURN_CODE 77 RESOURCE_LOCK curvlab_slurm ENVIRONMENT "OMP_NUM_THREADS=1")
endforeach()

# `curvlab submit --dry-run` and `curvlab status` without Slurm; bad input exits 2.
add_test(NAME cluster.submit_cli
  COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/cluster/submit_cli_test.py ${CMAKE_BINARY_DIR}/curvlab)
set_tests_properties(cluster.submit_cli PROPERTIES LABELS cluster TIMEOUT 120)
