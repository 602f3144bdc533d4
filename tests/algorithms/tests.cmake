# algorithms/ tests beyond GoogleTest: mpirun tests of K-FAC and of the Hessian analysis, and job-level tests.
# K-FAC under a real mpirun (1-4 ranks): N ranks x every grad_worker_fraction == 1 rank within
# 1e-5; every rank agrees on the inversion assignment. Reuses the MPI test entry point of comm/.
curvlab_executable(test_kfac_mpi
  ${CMAKE_CURRENT_SOURCE_DIR}/comm/mpi_test_main.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/algorithms/kfac/kfac_mpitest.cpp)
target_link_libraries(test_kfac_mpi PRIVATE GTest::gtest MPI::MPI_C)
target_include_directories(test_kfac_mpi PRIVATE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/comm)
foreach(np 1 2 3 4)
  curvlab_add_mpi_test(algorithms.kfac.mpi.np${np} ${np} $<TARGET_FILE:test_kfac_mpi>)
  set_tests_properties(algorithms.kfac.mpi.np${np} PROPERTIES TIMEOUT 300)
endforeach()

# algorithms/ tests that need a real mpirun: distributed Hessian-vector products, traces and
# eigenvalues with 1-4 ranks and uneven sample splits (test_hessian_mpi); and the hessian job
# end to end (train a tiny model, analyse its checkpoint with 1 and 2 ranks, HAWQ-V2).
curvlab_executable(test_hessian_mpi
  ${CMAKE_CURRENT_SOURCE_DIR}/comm/mpi_test_main.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/algorithms/hessian/hessian_mpitest.cpp)
target_link_libraries(test_hessian_mpi PRIVATE GTest::gtest MPI::MPI_C)
target_include_directories(test_hessian_mpi PRIVATE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/comm)
foreach(np 1 2 3 4)
  curvlab_add_mpi_test(algorithms.hessian.mpi.np${np} ${np} $<TARGET_FILE:test_hessian_mpi>)
  set_tests_properties(algorithms.hessian.mpi.np${np} PROPERTIES TIMEOUT 120)
endforeach()

add_test(NAME algorithms.hessian.job
  COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/algorithms/hessian/hessian_job_test.py
          $<TARGET_FILE:curvlab> ${CURVLAB_MPIRUN} ${CURVLAB_MPIRUN_FLAGS})
set_tests_properties(algorithms.hessian.job PROPERTIES LABELS mpi PROCESSORS 2 TIMEOUT 300
  ENVIRONMENT "OMP_NUM_THREADS=1")
