# algorithms/ tests beyond GoogleTest: mpirun tests of K-FAC and of the Hessian analysis, and job-level tests.
# K-FAC under a real mpirun (1-4 ranks): N ranks x every grad_worker_fraction == 1 rank within
# 1e-5, and one step's batch factors A, G (factor_decay 0) == 1 rank's, which kfac-pytorch's DDP
# convention (G x N^2, docs/kfac.md) would fail (kfac_preconditioner_mpitest.cpp); every rank agrees on the inversion assignment
# (kfac_assignment_mpitest.cpp). Reuses the MPI test entry point of comm/mpi/.
curvlab_executable(test_kfac_mpi
  ${CMAKE_CURRENT_SOURCE_DIR}/comm/mpi/mpi_test_main.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/algorithms/kfac/kfac_preconditioner_mpitest.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/algorithms/kfac/kfac_assignment_mpitest.cpp)
target_link_libraries(test_kfac_mpi PRIVATE GTest::gtest MPI::MPI_C)
target_include_directories(test_kfac_mpi PRIVATE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/comm/mpi)
foreach(np 1 2 3 4)
  curvlab_add_mpi_test(algorithms.kfac.mpi.np${np} ${np} $<TARGET_FILE:test_kfac_mpi>)
  set_tests_properties(algorithms.kfac.mpi.np${np} PROPERTIES TIMEOUT 300)
endforeach()

# algorithms/ tests that need a real mpirun: distributed Hessian-vector products (hvp_mpitest.cpp),
# traces and eigenvalues (hutchinson_mpitest.cpp) with 1-4 ranks and uneven sample splits
# (test_hessian_mpi); and the hessian job end to end (train a tiny model, analyse its checkpoint
# with 1 and 2 ranks, HAWQ-V2).
curvlab_executable(test_hessian_mpi
  ${CMAKE_CURRENT_SOURCE_DIR}/comm/mpi/mpi_test_main.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/algorithms/hessian/hvp_mpitest.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/algorithms/hessian/hutchinson_mpitest.cpp)
target_link_libraries(test_hessian_mpi PRIVATE GTest::gtest MPI::MPI_C)
target_include_directories(test_hessian_mpi PRIVATE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/comm/mpi)
foreach(np 1 2 3 4)
  curvlab_add_mpi_test(algorithms.hessian.mpi.np${np} ${np} $<TARGET_FILE:test_hessian_mpi>)
  set_tests_properties(algorithms.hessian.mpi.np${np} PROPERTIES TIMEOUT 120)
endforeach()
