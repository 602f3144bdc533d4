# Extra settings for test_engine (included by tests/CMakeLists.txt).

# data: the IDX tests write .gz files with zlib (curvlab_core links zlib privately).
if(TARGET test_engine)
  target_link_libraries(test_engine PRIVATE ZLIB::ZLIB)
endif()
