// Tests of cluster/requeue.cpp with a fake `scontrol` on PATH (fake_slurm.h): the command it runs
// ("scontrol requeue <id>"), its output as the message, a failed requeue (with and without
// output), no Slurm job, a job id that is not a number (nothing is run), and no scontrol at all.
#include "cluster/requeue.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "cluster/fake_slurm.h"

namespace curvlab {
namespace {
using testing_cluster::FakeBin;
using testing_cluster::PathGuard;

TEST(Requeue, RunsScontrolRequeueWithTheJobId) {
  FakeBin fake("requeue_ok");
  fake.add("scontrol", "", 0);
  PathGuard path(fake.bin());
  const RequeueOutcome r = requeue_slurm_job("12345");
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(fake.logged(), "requeue 12345\n");
  EXPECT_EQ(r.message, "");
}

TEST(Requeue, AFailedRequeueKeepsScontrolsMessage) {
  FakeBin fake("requeue_fail");
  fake.add("scontrol", "scontrol: error: Requeue of job 77 not allowed\n", 1);
  PathGuard path(fake.bin());
  const RequeueOutcome r = requeue_slurm_job("77");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "scontrol: error: Requeue of job 77 not allowed");  // trailing newline dropped
  FakeBin silent("requeue_silent");
  silent.add("scontrol", "", 3);
  PathGuard path2(silent.bin());
  const RequeueOutcome s = requeue_slurm_job("78");
  EXPECT_FALSE(s.ok);
  EXPECT_EQ(s.message, "scontrol requeue 78 failed");
}

TEST(Requeue, NothingIsRunWithoutAValidJobId) {
  FakeBin fake("requeue_bad");
  fake.add("scontrol", "", 0);
  PathGuard path(fake.bin());
  const RequeueOutcome none = requeue_slurm_job("");
  EXPECT_FALSE(none.ok);
  EXPECT_NE(none.message.find("not running under Slurm"), std::string::npos) << none.message;
  for (const std::string id : {"12;touch /tmp/x", "12 13", "abc", "12_3"}) {
    const RequeueOutcome r = requeue_slurm_job(id);
    EXPECT_FALSE(r.ok) << id;
    EXPECT_NE(r.message.find("is not a number"), std::string::npos) << r.message;
  }
  EXPECT_FALSE(std::filesystem::exists(fake.log()));  // scontrol was never called
}

TEST(Requeue, NoScontrolOnPath) {
  FakeBin empty("requeue_none");
  PathGuard path(empty.bin());
  const RequeueOutcome r = requeue_slurm_job("5");
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.message.empty());
}

}  // namespace
}  // namespace curvlab
