// Force-included into every fuzz-build source (tests/fuzz/CMakeLists.txt): toml++'s internal asserts
// off, as in Debian's libtomlplusplus.so, which gcc built with NDEBUG (there TOML_ASSERT_ASSUME is a
// no-op). Not NDEBUG itself: under clang that makes them __builtin_assume, undefined behaviour where
// they fail. toml++ 3.3.0 asserts in parse_key() on a table header such as "[*a]" and then reports a
// syntax error (tests/fuzz/regressions/job_parser/toml_table_header_star.toml); the release curvlab
// prints that error ("expected bare key starting character or string delimiter, saw '*'", exit 2).
#pragma once
#define TOML_ASSERT(expr) static_assert(true)
