// run_isolated (engine/checkpoint/isolated_probe.cpp): work that returns or throws a curvlab error
// is ok; a crash (a signal), another exception, or running past the limit is reported with what
// happened; the child cannot change the caller's memory, and the caller goes on after a crash.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <stdexcept>
#include <thread>

#include "base/error.h"
#include "engine/checkpoint/isolated_probe.h"

namespace curvlab {
namespace {

TEST(IsolatedProbe, CleanWorkAndCurvlabErrorsAreOk) {
  EXPECT_TRUE(run_isolated([] {}, 10).ok);
  const ProbeOutcome io = run_isolated([] { CURVLAB_THROW(IoError, "unreadable"); }, 10);
  EXPECT_TRUE(io.ok) << io.problem;
  EXPECT_TRUE(io.problem.empty());
}

TEST(IsolatedProbe, ACrashIsReportedAndTheCallerGoesOn) {
  const ProbeOutcome segv = run_isolated([] { std::raise(SIGSEGV); }, 10);
  EXPECT_FALSE(segv.ok);
  EXPECT_EQ(segv.problem, "killed by signal 11 (Segmentation fault)");
  const ProbeOutcome abrt = run_isolated([] { std::abort(); }, 10);
  EXPECT_FALSE(abrt.ok);
  EXPECT_EQ(abrt.problem, "killed by signal 6 (Aborted)");
}

TEST(IsolatedProbe, OtherExceptionsAndHangsAreNotOk) {
  const ProbeOutcome other = run_isolated([] { throw std::runtime_error("x"); }, 10);
  EXPECT_FALSE(other.ok);
  EXPECT_EQ(other.problem, "exited with status 3 (an exception other than curvlab's, e.g. out of memory)");
  const auto start = std::chrono::steady_clock::now();
  const ProbeOutcome hang = run_isolated([] { std::this_thread::sleep_for(std::chrono::seconds(30)); }, 1);
  EXPECT_FALSE(hang.ok);
  EXPECT_EQ(hang.problem, "ran past 1 s");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(IsolatedProbe, TheChildCannotChangeTheCallersMemory) {
  int value = 1;
  EXPECT_TRUE(run_isolated([&] { value = 2; }, 10).ok);
  EXPECT_EQ(value, 1);
}

}  // namespace
}  // namespace curvlab
