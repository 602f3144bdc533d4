// The train job kind (jobs/train/train_runner.cpp) run in-process through run_job: a finished run
// writes job.toml and status "done" and prints the summary (steps, epochs, test accuracy and loss as
// in results.h5, the target line, where results and the checkpoint went); a SIGTERM arriving during
// the run stops it at a step boundary with a checkpoint, status "stopped: ..." and exit status 75,
// and a rerun with auto_resume continues it to the end; a bad run directory (a finished run started
// again without resume) is a ConfigError before anything is written.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/error.h"
#include "engine/checkpoint/checkpointer.h"
#include "jobs/capture_output.h"
#include "jobs/job_kinds.h"
#include "jobs/job_parser.h"

namespace curvlab {
namespace {

namespace fs = std::filesystem;
using jobs_test::read_file;

std::string job_text(const std::string& out, std::int64_t steps) {
  return "[job]\nname = \"runner\"\noutput_dir = \"" + out + "\"\nseed = 2\n[comm]\nbackend = \"local\"\n"
         "[data]\ndataset = \"synthetic\"\nsynthetic_train = 64\nsynthetic_test = 32\nsynthetic_shape = [1, 2, 2]\n"
         "[model]\nname = \"mlp\"\nwidths = [4]\n[train]\nsteps = " + std::to_string(steps) +
         "\nbatch_size = 16\nthreads = 1\nlog_every_seconds = 1000\ntarget_metric = \"test_loss\"\ntarget_value = 100\n";
}

TEST(TrainRunner, FinishedRunWritesStatusAndPrintsTheSummary) {
  jobs_test::ScratchDir dir("train_runner_done");
  const JobSpec spec = parse_job_text(job_text(dir / "run", 3), "runner.toml");
  RunOptions options;
  options.quiet = true;
  jobs_test::Capture out(1), err(2);
  EXPECT_EQ(run_job(spec, options), 0);
  out.stop();
  err.stop();
  EXPECT_EQ(read_file(dir / "run/status"), "done\n");
  EXPECT_EQ(read_file(dir / "run/job.toml"), spec.source_text);
  auto results = open_state_file(dir / "run/results.h5");
  char line[256];
  std::snprintf(line, sizeof line, "test accuracy %.4f, test loss %.4f\n", results->read_double("summary/test_accuracy"),
                results->read_double("summary/test_loss"));
  const std::string text = out.text();
  EXPECT_EQ(text.rfind("done: 3 steps (0.75 epochs) in ", 0), 0u) << text;
  EXPECT_NE(text.find(line), std::string::npos) << text << "\nexpected: " << line;
  EXPECT_NE(text.find("target test_loss 100 reached at step 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("results: " + dir / "run/results.h5 (HDF5), " + dir / "run/metrics_steps.csv"), std::string::npos) << text;
  EXPECT_NE(text.find("checkpoint: " + dir / "run/checkpoints/ckpt_00000003.h5\n"), std::string::npos) << text;
  EXPECT_EQ(err.text().find("curvlab: job"), std::string::npos) << "quiet: no start line";

  // The same run again without --resume: refused before anything changes.
  const std::string before = read_file(dir / "run/status");
  EXPECT_THROW(run_job(spec, RunOptions{}), ConfigError);
  EXPECT_EQ(read_file(dir / "run/status"), before);
}

// SIGTERM comes from a thread watching the metrics file, once a few steps are written (a job has no
// step callback).
TEST(TrainRunner, StopSignalCheckpointsAndAutoResumeFinishes) {
  jobs_test::ScratchDir dir("train_runner_signal");
  const JobSpec spec = parse_job_text(job_text(dir / "run", 2000) + "checkpoint_every_steps = 1000\n", "runner.toml");
  RunOptions options;
  options.quiet = true;
  std::atomic<bool> done{false};
  std::thread killer([&] {
    // Once a few steps are in the CSV, signal once.
    while (!done) {
      std::ifstream in(dir / "run/metrics_steps.csv");
      int lines = 0;
      for (std::string l; std::getline(in, l);) ++lines;
      if (lines > 5) {
        std::raise(SIGTERM);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  jobs_test::Capture out(1), err(2);
  const int status = run_job(spec, options);
  done = true;
  killer.join();
  out.stop();
  err.stop();
  EXPECT_EQ(status, 75) << err.text();
  const std::string st = read_file(dir / "run/status");
  EXPECT_EQ(st.rfind("stopped: SIGTERM at step ", 0), 0u) << st;
  const auto ckpts = Checkpointer(dir / "run/checkpoints", 10).list();
  ASSERT_EQ(ckpts.size(), 1u);
  const std::int64_t step = open_state_file(ckpts[0])->read_int("trainer/step");
  EXPECT_NE(st.find("at step " + std::to_string(step) + "; checkpoint " + ckpts[0]), std::string::npos) << st;
  EXPECT_LT(step, 2000);
  EXPECT_NE(err.text().find("run again with --resume (or --auto-resume) to continue (exit status 75)"), std::string::npos)
      << err.text();

  options.auto_resume = true;
  jobs_test::Capture out2(1), err2(2);
  EXPECT_EQ(run_job(spec, options), 0);
  out2.stop();
  err2.stop();
  EXPECT_EQ(read_file(dir / "run/status"), "done\n");
  EXPECT_EQ(open_state_file(dir / "run/results.h5")->read_int("summary/steps"), 2000);
  EXPECT_NE(err2.text().find("resumed from " + ckpts[0]), std::string::npos) << err2.text();
}

}  // namespace
}  // namespace curvlab
