# The install/export rules (top-level CMakeLists.txt, cmake/curvlabConfig.cmake.in): a separate
# project finds the installed curvlab with find_package(curvlab) and links curvlab::core.
add_test(NAME cmake.find_package
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cmake/find_package_test.sh ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR})
set_tests_properties(cmake.find_package PROPERTIES LABELS install TIMEOUT 300)
