# comm/ tests that need a real mpirun (tests mirror the tree: <name>_mpitest.cpp beside <name>.cpp's
# test): the MPI collectives, the reducer, the factory and the MPI runtime with 1-4 ranks
# (test_comm_mpi, entry point mpi/mpi_test_main.cpp), and the failure tests of the MPI backend
# (mpi/mpi_communicator_test.py: a failing or killed rank ends the job within 10 s).
curvlab_executable(test_comm_mpi
  ${CMAKE_CURRENT_SOURCE_DIR}/comm/mpi/mpi_test_main.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/comm/mpi/mpi_communicator_mpitest.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/comm/mpi/mpi_runtime_mpitest.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/comm/reducer_mpitest.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/comm/factory_mpitest.cpp)
target_link_libraries(test_comm_mpi PRIVATE GTest::gtest MPI::MPI_C)
target_include_directories(test_comm_mpi PRIVATE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/comm/mpi)
foreach(np 1 2 3 4)
  curvlab_add_mpi_test(comm.mpi.np${np} ${np} $<TARGET_FILE:test_comm_mpi>)
  set_tests_properties(comm.mpi.np${np} PROPERTIES TIMEOUT 120)
endforeach()

curvlab_executable(comm_failure_helper ${CMAKE_CURRENT_SOURCE_DIR}/comm/mpi/mpi_communicator_failure_helper.cpp)
target_link_libraries(comm_failure_helper PRIVATE MPI::MPI_C)
foreach(mode throw uncaught kill)
  add_test(NAME comm.failure.${mode}
    COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/comm/mpi/mpi_communicator_test.py ${mode}
            ${CURVLAB_MPIRUN} $<TARGET_FILE:comm_failure_helper> ${CURVLAB_MPIRUN_FLAGS})
  set_tests_properties(comm.failure.${mode} PROPERTIES LABELS mpi PROCESSORS 2 TIMEOUT 90
    ENVIRONMENT "OMP_NUM_THREADS=1")
endforeach()

# comm/nccl/nccl_communicator_test.cpp includes the NCCL and CUDA headers (nccl_check.h) when the
# NCCL backend is built.
if(CURVLAB_HAVE_NCCL AND TARGET test_comm)
  target_link_libraries(test_comm PRIVATE curvlab_nccl_deps)
endif()
