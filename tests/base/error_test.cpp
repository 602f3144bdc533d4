// Tests of base/error.h: the exit code of each error type (2 config, 3 numerics, 4 I/O, 5 comm,
// 1 otherwise), the type hierarchy (DivergenceError is a NumericsError), where() = "file:line"
// with the rank once it is known, source paths shown relative to the source tree (for every
// layer's folder, base/ included), and CURVLAB_CHECK / CURVLAB_THROW.
#include "base/error.h"

#include <gtest/gtest.h>

#include <string>

#include "base/run_dir.h"

namespace curvlab {
namespace {

// Restores the process rank after a test that sets it.
struct RankGuard {
  int saved = process_rank();
  ~RankGuard() { set_process_rank(saved); }
};

TEST(Error, ExitCodesPerType) {
  EXPECT_EQ(Error("m", "f.cpp", 1).exit_code(), 1);
  EXPECT_EQ(ConfigError("m", "f.cpp", 1).exit_code(), 2);
  EXPECT_EQ(NumericsError("m", "f.cpp", 1).exit_code(), 3);
  EXPECT_EQ(DivergenceError("m", "f.cpp", 1).exit_code(), 3);
  EXPECT_EQ(IoError("m", "f.cpp", 1).exit_code(), 4);
  EXPECT_EQ(CommError("m", "f.cpp", 1).exit_code(), 5);
  // Through the base class (virtual).
  const Error& e = CommError("m", "f.cpp", 1);
  EXPECT_EQ(e.exit_code(), 5);
}

TEST(Error, DivergenceErrorIsCaughtAsANumericsError) {
  try {
    CURVLAB_THROW(DivergenceError, "training loss became NaN at step 3");
  } catch (const NumericsError& e) {
    EXPECT_STREQ(e.what(), "training loss became NaN at step 3");
    EXPECT_NE(dynamic_cast<const DivergenceError*>(&e), nullptr);
    return;
  } catch (...) {
  }
  ADD_FAILURE() << "DivergenceError was not caught as a NumericsError";
}

TEST(Error, OtherTypesAreNotNumericsErrors) {
  EXPECT_THROW(CURVLAB_THROW(ConfigError, "x"), Error);
  EXPECT_THROW(CURVLAB_THROW(ConfigError, "x"), std::runtime_error);
  bool numerics = false;
  try {
    CURVLAB_THROW(IoError, "x");
  } catch (const NumericsError&) {
    numerics = true;
  } catch (const IoError&) {
  }
  EXPECT_FALSE(numerics);
}

TEST(Error, WhereIsFileLineAndTheRankOnceKnown) {
  RankGuard guard;
  set_process_rank(-1);
  const int line = __LINE__ + 1;
  const ConfigError before("m", __FILE__, line);
  EXPECT_EQ(before.file(), "tests/base/error_test.cpp");
  EXPECT_EQ(before.line(), line);
  EXPECT_EQ(before.rank(), -1);
  EXPECT_EQ(before.where(), "tests/base/error_test.cpp:" + std::to_string(line));
  set_process_rank(3);
  EXPECT_EQ(process_rank(), 3);
  const IoError after("m", "/build/machine/src/engine/trainer.cpp", 42);
  EXPECT_EQ(after.rank(), 3);
  EXPECT_EQ(after.where(), "engine/trainer.cpp:42, rank 3");
  set_process_rank(0);
  EXPECT_EQ(IoError("m", "x.cpp", 7).where(), "x.cpp:7, rank 0");  // a path outside the tree is kept
}

TEST(Error, SourcePathsAreRelativeToTheTreeForEveryLayer) {
  // Absolute paths (plain CMake) and paths relative to the build directory (ccache's base_dir).
  for (const std::string top : {"base", "comm", "algorithms", "engine", "cluster", "jobs", "bench"}) {
    for (const std::string prefix : {"/home/u/curvlab/", "../"}) {
      const std::string file = prefix + top + "/sub/x.cpp";
      EXPECT_EQ(Error("m", file.c_str(), 1).file(), top + "/sub/x.cpp") << file;
    }
  }
}

TEST(Error, AnErrorRaisedInBaseNamesItsFileInTheTree) {
  try {
    read_text_file("/nonexistent/curvlab/no_such_file");
    ADD_FAILURE() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(e.file(), "base/run_dir.cpp") << e.where();
    EXPECT_NE(std::string(e.what()).find("/nonexistent/curvlab/no_such_file"), std::string::npos) << e.what();
  }
}

TEST(Error, CheckThrowsOnlyWhenTheConditionFails) {
  EXPECT_NO_THROW(CURVLAB_CHECK(1 + 1 == 2, ConfigError, "never"));
  try {
    CURVLAB_CHECK(1 + 1 == 3, NumericsError, std::string("arithmetic is broken: ") + "1 + 1 != 3");
    ADD_FAILURE() << "expected NumericsError";
  } catch (const NumericsError& e) {
    EXPECT_STREQ(e.what(), "arithmetic is broken: 1 + 1 != 3");
    EXPECT_EQ(e.file(), "tests/base/error_test.cpp");
    EXPECT_GT(e.line(), 0);
  }
}

}  // namespace
}  // namespace curvlab
