// The failure policy of job runs (jobs/run/run_failure.cpp): rank 0 records "failed: <message>" (or
// "failed: diverged: <message>" for a DivergenceError) in the status file, best effort; with several
// ranks the error is printed with its rank and location and the job is aborted with the error's exit
// status, unless every rank raised it collectively (a sweep's diverged run); one rank just returns.
#include "jobs/run/run_failure.h"

#include <gtest/gtest.h>

#include "comm/local/local_communicator.h"
#include "jobs/capture_output.h"

namespace curvlab {
namespace {

using jobs_test::Aborted;
using jobs_test::AbortingRanks;
using jobs_test::read_file;

TEST(RunFailure, IsDivergenceOnlyForDivergenceErrors) {
  EXPECT_TRUE(is_divergence(DivergenceError("loss NaN", __FILE__, __LINE__)));
  EXPECT_FALSE(is_divergence(NumericsError("bad", __FILE__, __LINE__)));
  EXPECT_FALSE(is_divergence(ConfigError("bad", __FILE__, __LINE__)));
  EXPECT_FALSE(is_divergence(IoError("bad", __FILE__, __LINE__)));
}

TEST(RunFailure, OneRankRecordsTheStatusAndReturns) {
  jobs_test::ScratchDir dir("run_failure_one");
  LocalCommunicator comm;
  report_run_failure(IoError("cannot read data", __FILE__, __LINE__), comm, dir / "status");
  EXPECT_EQ(read_file(dir / "status"), "failed: cannot read data\n");
  report_run_failure(DivergenceError("training loss became NaN at step 3", __FILE__, __LINE__), comm, dir / "status");
  EXPECT_EQ(read_file(dir / "status"), "failed: diverged: training loss became NaN at step 3\n");
  // Best effort: an unwritable status file is not a second error.
  EXPECT_NO_THROW(report_run_failure(IoError("x", __FILE__, __LINE__), comm, dir / "no/such/dir/status"));
}

TEST(RunFailure, SeveralRanksPrintTheRankAndAbortWithTheExitStatus) {
  jobs_test::ScratchDir dir("run_failure_many");
  AbortingRanks comm(3);
  jobs_test::Capture err(2);
  try {
    report_run_failure(IoError("disk full", __FILE__, __LINE__), comm, dir / "status");
    FAIL() << "no abort";
  } catch (const Aborted& a) {
    EXPECT_EQ(a.exit_code, 4);  // IoError's exit status
  }
  err.stop();
  EXPECT_EQ(read_file(dir / "status"), "failed: disk full\n");
  EXPECT_NE(err.text().find("error (rank 0 of 3): disk full\n  at "), std::string::npos) << err.text();
  EXPECT_NE(err.text().find("run_failure_test.cpp"), std::string::npos) << err.text();
  // A collective failure (every rank at the same step): recorded, no abort.
  EXPECT_NO_THROW(report_run_failure(DivergenceError("NaN", __FILE__, __LINE__), comm, dir / "status", true));
  EXPECT_EQ(read_file(dir / "status"), "failed: diverged: NaN\n");
}

}  // namespace
}  // namespace curvlab
