// Tests of reading the launchers' environment (mpirun, srun --mpi=pmix, none) with setenv.
#include "cluster/launch_context.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <optional>

#include "base/error.h"

namespace curvlab {
namespace {

// Clears every variable detect_launch_context reads, restoring the old values afterwards.
class LaunchEnv : public ::testing::Test {
 protected:
  const std::vector<const char*> kVars = {
      "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE",
      "PMIX_RANK", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_STEP_NUM_TASKS", "SLURM_LOCALID",
      "SLURM_STEP_TASKS_PER_NODE", "SLURM_NODEID", "SLURM_JOB_NODELIST"};
  std::map<std::string, std::optional<std::string>> saved_;

  void SetUp() override {
    for (const char* v : kVars) {
      const char* old = std::getenv(v);
      saved_[v] = old ? std::optional<std::string>(old) : std::nullopt;
      unsetenv(v);
    }
  }
  void TearDown() override {
    for (auto& [k, v] : saved_) {
      if (v) setenv(k.c_str(), v->c_str(), 1);
      else unsetenv(k.c_str());
    }
  }
};

TEST_F(LaunchEnv, NoLauncher) {
  auto ctx = detect_launch_context();
  EXPECT_EQ(ctx.launcher, "none");
  EXPECT_FALSE(ctx.under_launcher());
  EXPECT_EQ(ctx.env_rank, -1);
  EXPECT_EQ(ctx.env_size, 1);
  EXPECT_EQ(ctx.env_local_rank, 0);
  EXPECT_EQ(ctx.env_local_size, 1);
}

TEST_F(LaunchEnv, Mpirun) {
  setenv("OMPI_COMM_WORLD_RANK", "3", 1);
  setenv("OMPI_COMM_WORLD_SIZE", "4", 1);
  setenv("OMPI_COMM_WORLD_LOCAL_RANK", "1", 1);
  setenv("OMPI_COMM_WORLD_LOCAL_SIZE", "2", 1);
  setenv("PMIX_RANK", "3", 1);
  auto ctx = detect_launch_context();
  EXPECT_EQ(ctx.launcher, "mpirun");
  EXPECT_TRUE(ctx.under_launcher());
  EXPECT_EQ(ctx.env_rank, 3);
  EXPECT_EQ(ctx.env_size, 4);
  EXPECT_EQ(ctx.env_local_rank, 1);
  EXPECT_EQ(ctx.env_local_size, 2);
}

TEST_F(LaunchEnv, SrunWithPmix) {
  setenv("SLURM_PROCID", "5", 1);
  setenv("PMIX_RANK", "5", 1);
  setenv("SLURM_NTASKS", "8", 1);
  setenv("SLURM_STEP_NUM_TASKS", "7", 1);  // the step's count wins over the allocation's
  setenv("SLURM_LOCALID", "0", 1);
  setenv("SLURM_STEP_TASKS_PER_NODE", "3(x2),1", 1);
  setenv("SLURM_NODEID", "2", 1);
  setenv("SLURM_JOB_NODELIST", "node[01-03]", 1);
  auto ctx = detect_launch_context();
  EXPECT_EQ(ctx.launcher, "srun");
  EXPECT_EQ(ctx.env_rank, 5);
  EXPECT_EQ(ctx.env_size, 7);
  EXPECT_EQ(ctx.env_local_rank, 0);
  EXPECT_EQ(ctx.env_local_size, 1);
  EXPECT_EQ(ctx.nodelist, "node[01-03]");
}

TEST_F(LaunchEnv, SbatchScriptOutsideAStepIsNoLauncher) {
  setenv("SLURM_PROCID", "0", 1);
  setenv("SLURM_NTASKS", "8", 1);
  setenv("SLURM_JOB_NODELIST", "node01", 1);
  auto ctx = detect_launch_context();
  EXPECT_EQ(ctx.launcher, "none");
  EXPECT_EQ(ctx.env_size, 1);
  EXPECT_EQ(ctx.nodelist, "node01");
}

TEST_F(LaunchEnv, GarbageIsAConfigError) {
  setenv("OMPI_COMM_WORLD_SIZE", "four", 1);
  EXPECT_THROW(detect_launch_context(), ConfigError);
}

TEST(SlurmTasksPerNode, ExpandsRepeats) {
  EXPECT_EQ(slurm_tasks_on_node("4", 0), 4);
  EXPECT_EQ(slurm_tasks_on_node("2(x3),1", 0), 2);
  EXPECT_EQ(slurm_tasks_on_node("2(x3),1", 2), 2);
  EXPECT_EQ(slurm_tasks_on_node("2(x3),1", 3), 1);
  EXPECT_EQ(slurm_tasks_on_node("2(x3),1", 4), -1);
}

}  // namespace
}  // namespace curvlab
