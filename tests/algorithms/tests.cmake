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
