# Extra settings for test_engine (included by tests/CMakeLists.txt).

# data: the IDX tests write .gz files with zlib (curvlab_core links zlib privately).
if(TARGET test_engine)
  target_link_libraries(test_engine PRIVATE ZLIB::ZLIB)
endif()

# Data-parallel training under a real mpirun (1-4 ranks, even and uneven splits): N ranks give
# the 1-rank parameters; synchronized batch norm; resume under another rank count.
foreach(case mlp syncbn resume schedule)
  add_test(NAME engine.trainer_ranks.${case}
    COMMAND ${CURVLAB_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/engine/trainer_test.py ${case}
            ${CMAKE_BINARY_DIR}/curvlab ${CURVLAB_MPIRUN} ${CURVLAB_MPIRUN_FLAGS})
  set_tests_properties(engine.trainer_ranks.${case} PROPERTIES LABELS mpi PROCESSORS 2 TIMEOUT 600
    ENVIRONMENT "OMP_NUM_THREADS=1")
endforeach()
