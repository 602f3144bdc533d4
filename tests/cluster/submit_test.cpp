// Tests of cluster/submit.cpp with a fake `sbatch` on PATH (fake_slurm.h): a dry run writes the
// executable script that batch_script_text gives for the resolved absolute paths and submits
// nothing; a submission calls `sbatch --parsable <script>` and records the job id (warnings before
// it and a ";cluster" suffix ignored) in each run directory; finished runs are skipped (and listed
// in runs.tsv); sbatch missing, refusing or answering garbage are ConfigErrors.
#include "cluster/submit.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "base/run_dir.h"
#include "cluster/fake_slurm.h"

namespace curvlab {
namespace {
namespace fs = std::filesystem;
using testing_cluster::FakeBin;
using testing_cluster::PathGuard;

ClusterOptions cluster_with_binary() {
  ClusterOptions c;
  c.executable = "/opt/curvlab/bin/curvlab";
  c.tasks_per_node = 2;
  return c;
}

TEST(Submit, DryRunWritesTheScriptOfTheResolvedPathsAndSubmitsNothing) {
  FakeBin fake("dry");
  fake.add("sbatch", "1\n", 0);
  PathGuard path(fake.bin());
  SubmitOptions o;
  o.dry_run = true;
  o.workdir = fake.root.string();
  o.overrides = {"train.lr=0.2"};
  const SubmitResult r = submit_run("jobs/a.toml", "a", "runs/a", cluster_with_binary(), o);
  const std::string run_dir = (fake.root / "runs" / "a").string();
  EXPECT_EQ(r.script_path, run_dir + "/submit.sbatch");
  ASSERT_EQ(r.submitted.size(), 1u);
  EXPECT_EQ(r.submitted[0].job_file, (fake.root / "jobs" / "a.toml").string());
  EXPECT_EQ(r.submitted[0].run_dir, run_dir);
  EXPECT_TRUE(r.job_id.empty());
  BatchScriptSpec want;
  want.job_name = "a";
  want.runs = r.submitted;
  want.array = false;
  want.log_dir = run_dir;
  want.workdir = fake.root.string();
  want.executable = "/opt/curvlab/bin/curvlab";
  want.overrides = o.overrides;
  want.cluster = cluster_with_binary();
  EXPECT_EQ(r.script_text, batch_script_text(want));
  EXPECT_EQ(read_text_file(r.script_path), r.script_text);
  EXPECT_TRUE((fs::status(r.script_path).permissions() & fs::perms::owner_exec) != fs::perms::none);
  EXPECT_FALSE(fs::exists(run_dir + "/slurm_job_id"));
  EXPECT_FALSE(fs::exists(fake.log()));  // sbatch never ran
}

TEST(Submit, RecordsTheJobIdThatSbatchPrints) {
  FakeBin fake("submit");
  fake.add("sbatch", "sbatch: warning: no partition given, using the default\n4242;cluster1\n", 0);
  PathGuard path(fake.bin());
  SubmitOptions o;
  o.workdir = fake.root.string();
  const SubmitResult r = submit_run("a.toml", "a", "out", cluster_with_binary(), o);
  EXPECT_EQ(r.job_id, "4242");
  EXPECT_EQ(fake.logged(), "--parsable " + r.script_path + "\n");
  EXPECT_EQ(read_text_file((fake.root / "out" / "slurm_job_id").string()), "4242\n");
}

TEST(Submit, AFinishedRunIsSkipped) {
  FakeBin fake("done");
  fake.add("sbatch", "1\n", 0);
  PathGuard path(fake.bin());
  fs::create_directories(fake.root / "out");
  std::ofstream(fake.root / "out" / "status") << "done\n";
  EXPECT_TRUE(run_is_done((fake.root / "out").string()));
  SubmitOptions o;
  o.workdir = fake.root.string();
  const SubmitResult r = submit_run("a.toml", "a", "out", cluster_with_binary(), o);
  EXPECT_TRUE(r.job_id.empty());
  EXPECT_TRUE(r.submitted.empty());
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_FALSE(fs::exists(fake.root / "out" / "submit.sbatch"));
  EXPECT_FALSE(fs::exists(fake.log()));
  std::ofstream(fake.root / "out" / "status") << "failed: diverged\n";
  EXPECT_FALSE(run_is_done((fake.root / "out").string()));
  EXPECT_FALSE(run_is_done((fake.root / "missing").string()));
}

TEST(Submit, ArrayNumbersTheUnfinishedRunsAndSkipsTheDoneOnes) {
  FakeBin fake("array");
  fake.add("sbatch", "777\n", 0);
  PathGuard path(fake.bin());
  const fs::path w = fake.root;
  fs::create_directories(w / "runs" / "r1");
  std::ofstream(w / "runs" / "r1" / "status") << "done\n";
  const std::vector<BatchRun> runs = {{"jobs/r0.toml", "runs/r0"}, {"jobs/r1.toml", "runs/r1"}, {"jobs/r2.toml", "runs/r2"}};
  SubmitOptions o;
  o.workdir = w.string();
  const SubmitResult r = submit_array("sweep", runs, "sweep_dir", cluster_with_binary(), o);
  EXPECT_EQ(r.job_id, "777");
  EXPECT_EQ(r.script_path, (w / "sweep_dir" / "array.sbatch").string());
  ASSERT_EQ(r.submitted.size(), 2u);
  EXPECT_EQ(r.submitted[1].run_dir, (w / "runs" / "r2").string());
  ASSERT_EQ(r.skipped.size(), 1u);
  const std::string s = w.string();
  EXPECT_EQ(read_text_file((w / "sweep_dir" / "runs.tsv").string()),
            "# task\trun_dir\tjob_file   (task '-': already done when submitted)\n"
            "0\t" + s + "/runs/r0\t" + s + "/jobs/r0.toml\n"
            "-\t" + s + "/runs/r1\t" + s + "/jobs/r1.toml\n"
            "1\t" + s + "/runs/r2\t" + s + "/jobs/r2.toml\n");
  EXPECT_EQ(read_text_file((w / "runs" / "r0" / "slurm_job_id").string()), "777_0\n");
  EXPECT_EQ(read_text_file((w / "runs" / "r2" / "slurm_job_id").string()), "777_1\n");
  EXPECT_FALSE(fs::exists(w / "runs" / "r1" / "slurm_job_id"));
  // Everything done: only runs.tsv, no script, no submission.
  std::ofstream(w / "runs" / "r0" / "status") << "done\n";
  std::ofstream(w / "runs" / "r2" / "status") << "done\n";
  const SubmitResult all = submit_array("sweep", runs, "sweep_done", cluster_with_binary(), o);
  EXPECT_TRUE(all.job_id.empty());
  EXPECT_EQ(all.skipped.size(), 3u);
  EXPECT_FALSE(fs::exists(w / "sweep_done" / "array.sbatch"));
  EXPECT_TRUE(fs::exists(w / "sweep_done" / "runs.tsv"));
  EXPECT_THROW(submit_array("sweep", {}, "x", cluster_with_binary(), o), ConfigError);
}

std::string sbatch_error(const FakeBin& fake) {
  PathGuard path(fake.bin());
  try {
    sbatch_submit((fake.root / "script.sbatch").string());
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Submit, SbatchMissingRefusingOrAnsweringGarbageIsAConfigError) {
  FakeBin none("sbatch_none");
  const std::string missing = sbatch_error(none);
  EXPECT_NE(missing.find("sbatch not found on PATH"), std::string::npos) << missing;
  EXPECT_NE(missing.find("--dry-run"), std::string::npos) << missing;
  FakeBin refusing("sbatch_refuses");
  refusing.add("sbatch", "sbatch: error: Invalid account or account/partition combination specified\n", 1);
  const std::string refused = sbatch_error(refusing);
  EXPECT_NE(refused.find("sbatch refused"), std::string::npos) << refused;
  EXPECT_NE(refused.find("Invalid account"), std::string::npos) << refused;
  FakeBin garbage("sbatch_garbage");
  garbage.add("sbatch", "Submitted batch job 12\n", 0);  // not --parsable output
  const std::string odd = sbatch_error(garbage);
  EXPECT_NE(odd.find("unexpected answer from sbatch"), std::string::npos) << odd;
}

TEST(Submit, WithoutAnExecutableTheScriptRunsThisBinary) {
  FakeBin fake("self");
  SubmitOptions o;
  o.dry_run = true;
  o.workdir = fake.root.string();
  const SubmitResult r = submit_run("a.toml", "a", "out", ClusterOptions{}, o);
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  EXPECT_NE(r.script_text.find(self), std::string::npos) << "the script should run " << self;
}

}  // namespace
}  // namespace curvlab
