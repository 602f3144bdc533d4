// The generated sbatch scripts: compared line by line with reviewed golden files in
// tests/cluster/golden/ (CURVLAB_UPDATE_GOLDEN=1 rewrites them; review the diff before committing),
// and checked to be valid bash (`bash -n`).
#include "cluster/batch_script.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "jobs/job_parser.h"

namespace curvlab {
namespace {

std::string golden_path(const std::string& name) { return std::string(CURVLAB_SOURCE_DIR) + "/tests/cluster/golden/" + name; }

void check_golden(const std::string& name, const std::string& text) {
  const std::string path = golden_path(name);
  if (std::getenv("CURVLAB_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << text;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "missing golden file " << path << " (CURVLAB_UPDATE_GOLDEN=1 writes it)";
  std::stringstream want;
  want << in.rdbuf();
  std::istringstream a(text), b(want.str());
  std::string la, lb;
  int line = 0;
  while (true) {
    const bool ga = static_cast<bool>(std::getline(a, la));
    const bool gb = static_cast<bool>(std::getline(b, lb));
    ++line;
    if (!ga && !gb) break;
    ASSERT_EQ(ga, gb) << name << ": the scripts differ in length at line " << line;
    ASSERT_EQ(la, lb) << name << ":" << line << " differs from the golden file";
  }
}

void check_bash_syntax(const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("curvlab_script_" + std::to_string(getpid()) + ".sh");
  std::ofstream(path) << text;
  const int rc = std::system(("bash -n " + path.string()).c_str());
  std::filesystem::remove(path);
  EXPECT_EQ(rc, 0) << "bash -n rejects the script:\n" << text;
}

TEST(BatchScript, ShellQuote) {
  EXPECT_EQ(shell_quote("/scratch/runs/a-1.toml"), "/scratch/runs/a-1.toml");
  EXPECT_EQ(shell_quote("train.lr=0.05"), "train.lr=0.05");
  EXPECT_EQ(shell_quote("my runs/x"), "'my runs/x'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$HOME"), "'$HOME'");
  EXPECT_EQ(shell_quote(""), "''");
}

// The docs' worked example: 4 nodes x 8 GPUs, NCCL, srun, one run.
TEST(BatchScript, SingleRunSrunGolden) {
  const JobSpec spec = parse_job_text(
      "[job]\nname = \"resnet56-kfac\"\noutput_dir = \"runs/r56\"\n[comm]\nbackend = \"nccl\"\n"
      "[cluster]\nnodes = 4\ntasks_per_node = 8\ngpus_per_node = 8\ncpus_per_task = 6\ntime = \"12:00:00\"\n"
      "partition = \"gpu\"\naccount = \"proj-42\"\nsignal_seconds = 300\nmodules = [\"cuda/12.1\", \"openmpi/4.1.4\"]\n"
      "setup = [\"export NCCL_DEBUG=WARN\"]\nsbatch = [\"--exclusive\"]\n",
      "job.toml");
  BatchScriptSpec s;
  s.job_name = spec.job.name;
  s.runs = {{"/home/ada/study/r56.toml", "/scratch/ada/runs/r56"}};
  s.log_dir = "/scratch/ada/runs/r56";
  s.workdir = "/home/ada/study";
  s.executable = "/opt/curvlab/bin/curvlab";
  s.cluster = spec.cluster;
  const std::string text = batch_script_text(s);
  check_golden("single_srun.sbatch", text);
  check_bash_syntax(text);
}

// A 3-run job array, mpirun inside the allocation, throttled, with --set overrides.
TEST(BatchScript, ArrayMpirunGolden) {
  const JobSpec spec = parse_job_text(
      "[job]\noutput_dir = \"x\"\n[cluster]\ntasks_per_node = 2\ntime = \"30\"\nlauncher = \"mpirun\"\n"
      "mpirun_args = [\"--bind-to\", \"none\"]\narray_throttle = 2\nrequeue = false\nsignal_seconds = 0\n",
      "job.toml");
  BatchScriptSpec s;
  s.job_name = "lr-sweep";
  s.array = true;
  s.runs = {{"/w/jobs/a.toml", "/w/sweep/a"}, {"/w/jobs/b.toml", "/w/sweep/b"}, {"/w/jobs/c c.toml", "/w/sweep/c c"}};
  s.log_dir = "/w/sweep";
  s.workdir = "/w";
  s.executable = "/w/build/curvlab";
  s.overrides = {"train.epochs=3", "cluster.requeue=false"};
  s.cluster = spec.cluster;
  const std::string text = batch_script_text(s);
  check_golden("array_mpirun.sbatch", text);
  check_bash_syntax(text);
}

TEST(BatchScript, NoRunsIsAnError) {
  BatchScriptSpec s;
  EXPECT_THROW(batch_script_text(s), ConfigError);
}

}  // namespace
}  // namespace curvlab
