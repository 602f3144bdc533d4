// The local sweep loop's decisions and output (jobs/sweep/sweep_runner.cpp): what each run's status
// file makes it do (done: skip; diverged: skip, or start over with --retry-failed; anything else,
// including no status, stopped, requeued and other failures: run, resuming), and `curvlab validate`'s
// expansion printout (counts, target, the table of ids, steps and values) writing nothing. The whole
// loop (kill, rerun, bitwise results, diverged runs) is sweep_runner_test.py under jobs.sweep.*.
#include "jobs/sweep/sweep_runner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "jobs/capture_output.h"
#include "jobs/sweep/sweep_expand.h"
#include "jobs/sweep/sweep_fixture.h"

namespace curvlab {
namespace {

namespace fs = std::filesystem;

TEST(SweepRunner, ActionFromTheStatusFile) {
  jobs_test::ScratchDir dir("sweep_runner_action");
  const auto action = [&](const std::string& status, bool retry = false) {
    fs::remove_all(dir / "run");
    fs::create_directories(dir / "run");
    if (!status.empty()) std::ofstream(dir / "run/status") << status;
    return sweep_run_action(dir / "run", retry);
  };
  EXPECT_EQ(action(""), SweepRunAction::kRun);
  EXPECT_EQ(sweep_run_action(dir / "never_created", false), SweepRunAction::kRun);
  EXPECT_EQ(action("done\n"), SweepRunAction::kSkipDone);
  EXPECT_EQ(action("done\n", true), SweepRunAction::kSkipDone);
  EXPECT_EQ(action("failed: diverged: training loss became NaN at step 3\n"), SweepRunAction::kSkipDiverged);
  EXPECT_EQ(action("failed: diverged: x\n", true), SweepRunAction::kRestart);
  EXPECT_EQ(action("failed: cannot read data\n"), SweepRunAction::kRun);
  EXPECT_EQ(action("running\n"), SweepRunAction::kRun);
  EXPECT_EQ(action("stopped: SIGTERM at step 5; checkpoint c\n"), SweepRunAction::kRun);
  EXPECT_EQ(action("requeued: SIGUSR1 at step 5\n"), SweepRunAction::kRun);
}

TEST(SweepRunner, ValidatePrintsTheExpansionAndWritesNothing) {
  jobs_test::ScratchDir dir("sweep_runner_validate");
  const std::string text = "[job]\nname = \"v\"\noutput_dir = \"" + dir / "sweep" +
                           "\"\n[data]\ndataset = \"synthetic\"\n[train]\nsteps = 5\n"
                           "[sweep]\ntarget_metric = \"test_loss\"\ntarget_value = 0.5\n"
                           "[sweep.grid]\n\"train.lr\" = [0.1, 0.2]\n\"train.batch_size\" = [16, 32]\n";
  const JobSpec spec = parse_job_text(text, "v.toml");
  const SweepPlan plan = expand_sweep(spec);
  jobs_test::Capture out(1);
  EXPECT_EQ(print_sweep_expansion(spec, {}), 0);
  out.stop();
  const std::string t = out.text();
  EXPECT_EQ(t.rfind("v.toml: ok: a sweep of 4 run(s) (4 grid point(s)) -> " + dir / "sweep" + "\n", 0), 0u) << t;
  EXPECT_NE(t.find("target: test_loss <= 0.5\n"), std::string::npos) << t;
  EXPECT_NE(t.find("id"), std::string::npos);
  for (const SweepRun& r : plan.runs) EXPECT_NE(t.find(r.id), std::string::npos) << r.id << " missing in\n" << t;
  EXPECT_NE(t.find("train.batch_size"), std::string::npos) << t;
  EXPECT_FALSE(fs::exists(dir / "sweep")) << "validate wrote the sweep directory";
}

}  // namespace
}  // namespace curvlab
