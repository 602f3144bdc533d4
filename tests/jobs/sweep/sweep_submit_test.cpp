// A sweep as one Slurm job array (jobs/sweep/sweep_submit.cpp), dry run (no sbatch): the sweep
// directory is written, the array's script goes to <sweep>/slurm/ with one task per run that is
// neither done nor diverged (done and diverged runs listed as skipped), every task runs its resolved
// job file (the overrides are in it already), the [cluster] section sizes the array, and when every
// run is finished nothing is submitted.
#include "jobs/sweep/sweep_submit.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "jobs/capture_output.h"
#include "jobs/job_parser.h"
#include "jobs/sweep/sweep_expand.h"

namespace curvlab {
namespace {

namespace fs = std::filesystem;

TEST(SweepSubmit, DryRunWritesTheArrayOfUnfinishedRuns) {
  jobs_test::ScratchDir dir("sweep_submit");
  const std::string text = "[job]\nname = \"sub\"\noutput_dir = \"" + dir / "sweep" +
                           "\"\n[data]\ndataset = \"synthetic\"\n[cluster]\nnodes = 2\ntasks_per_node = 4\n"
                           "time = \"02:00:00\"\n[sweep.grid]\n\"train.lr\" = [0.1, 0.2, 0.3]\n";
  const std::vector<std::string> overrides = {"train.steps=7"};
  const JobSpec spec = parse_job_text(text, "sub.toml", overrides);
  const SweepPlan plan = expand_sweep(spec, overrides);
  ASSERT_EQ(plan.runs.size(), 3u);
  fs::create_directories(plan.runs[0].run_dir);
  std::ofstream(plan.runs[0].run_dir + "/status") << "done\n";
  fs::create_directories(plan.runs[1].run_dir);
  std::ofstream(plan.runs[1].run_dir + "/status") << "failed: diverged: NaN at step 2\n";
  SubmitOptions options;
  options.dry_run = true;
  options.overrides = overrides;
  jobs_test::Capture err(2);
  const SubmitResult r = submit_sweep(spec, overrides, options);
  err.stop();
  EXPECT_TRUE(fs::exists(dir / "sweep/sweep.tsv"));
  EXPECT_EQ(r.script_path, dir / "sweep/slurm/array.sbatch");
  EXPECT_TRUE(fs::exists(r.script_path));
  EXPECT_TRUE(r.job_id.empty());
  ASSERT_EQ(r.submitted.size(), 1u);
  EXPECT_EQ(r.submitted[0].run_dir, plan.runs[2].run_dir);
  EXPECT_EQ(r.submitted[0].job_file, plan.runs[2].job_file);
  ASSERT_EQ(r.skipped.size(), 2u);
  std::set<std::string> skipped = {r.skipped[0].run_dir, r.skipped[1].run_dir};
  EXPECT_EQ(skipped, (std::set<std::string>{plan.runs[0].run_dir, plan.runs[1].run_dir}));
  EXPECT_NE(r.script_text.find(plan.runs[2].job_file), std::string::npos) << r.script_text;
  EXPECT_EQ(r.script_text.find("--set"), std::string::npos) << "overrides are in the resolved job files already";
  EXPECT_NE(r.script_text.find("--nodes=2"), std::string::npos) << r.script_text;
  EXPECT_NE(r.script_text.find("02:00:00"), std::string::npos) << r.script_text;
  // The resolved job file carries the override.
  EXPECT_EQ(load_job_file(plan.runs[2].job_file).train.steps, 7);

  // Everything finished: nothing to submit.
  fs::create_directories(plan.runs[2].run_dir);
  std::ofstream(plan.runs[2].run_dir + "/status") << "done\n";
  const SubmitResult none = submit_sweep(spec, overrides, options);
  EXPECT_TRUE(none.script_path.empty());
  EXPECT_TRUE(none.submitted.empty());
  EXPECT_EQ(none.skipped.size(), 3u);
}

}  // namespace
}  // namespace curvlab
