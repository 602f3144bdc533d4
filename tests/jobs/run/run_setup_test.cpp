// The shared set-up of job runs (jobs/run/run_setup.cpp): start_run's threads (train.threads, else the
// cores per rank) and communicator of [comm]; open_run_dir writing job.toml and status "running" and
// the start line, keeping the first job.toml on resume and warning, key by key, when the resolved job differs (and
// writing one when the run had none), quiet; run_guarded recording failures in the status file and
// rethrowing, and with several ranks aborting on a non-curvlab exception.
#include "jobs/run/run_setup.h"

#include <gtest/gtest.h>

#include <thread>

#include <torch/torch.h>

#include "base/error.h"
#include "comm/local/local_communicator.h"
#include "jobs/capture_output.h"
#include "jobs/job_parser.h"

namespace curvlab {
namespace {

using jobs_test::read_file;

JobSpec spec_in(const std::string& dir, const std::string& extra = "") {
  return parse_job_text("[job]\nname = \"setup\"\noutput_dir = \"" + dir + "\"\n" + extra, "setup.toml");
}

RunSetup setup_for(const JobSpec& spec, CommunicatorPtr comm = std::make_shared<LocalCommunicator>()) {
  return RunSetup{LaunchContext{}, 2, std::move(comm), RunPaths(spec.job.output_dir)};
}

TEST(RunSetup, StartRunTakesThreadsAndTheCommunicator) {
  jobs_test::ScratchDir dir("run_setup_start");
  const int before = torch::get_num_threads();
  const RunSetup s = start_run(spec_in(dir / "run", "[train]\nthreads = 3\n[comm]\nbackend = \"local\"\n"));
  EXPECT_EQ(s.threads, 3);
  EXPECT_EQ(torch::get_num_threads(), 3);
  EXPECT_EQ(s.comm->backend(), "local");
  EXPECT_TRUE(s.root());
  EXPECT_EQ(s.paths.status, dir / "run/status");
  const RunSetup d = start_run(spec_in(dir / "run", "[comm]\nbackend = \"local\"\n"));
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(d.threads, std::max(1, cores / std::max(1, d.launch.env_local_size)));
  torch::set_num_threads(before);
}

TEST(RunSetup, OpenRunDirWritesJobStatusAndTheStartLine) {
  jobs_test::ScratchDir dir("run_setup_open");
  const JobSpec spec = spec_in(dir / "run");
  RunSetup s = setup_for(spec);
  jobs_test::Capture err(2);
  open_run_dir(spec, s, RunMode::kFresh, false, " on node1");
  err.stop();
  EXPECT_EQ(read_file(dir / "run/job.toml"), spec.source_text);
  EXPECT_EQ(read_file(dir / "run/status"), "running\n");
  EXPECT_EQ(err.text(), "curvlab: job 'setup' (train) on 1 rank(s) on node1 [local backend], 2 thread(s) per rank -> " +
                            dir / "run" + "\n");
  jobs_test::Capture quiet(2);
  open_run_dir(spec, s, RunMode::kResume, true, "");
  quiet.stop();
  EXPECT_EQ(quiet.text(), "");  // quiet, and the same job text: no warning
}

TEST(RunSetup, ResumeKeepsTheFirstJobFileAndWarnsWhenTheJobDiffers) {
  jobs_test::ScratchDir dir("run_setup_resume");
  const JobSpec first = spec_in(dir / "run", "[train]\nlr = 0.1\n");
  RunSetup s = setup_for(first);
  open_run_dir(first, s, RunMode::kFresh, true, "");
  std::ofstream(dir / "run/status") << "stopped: SIGTERM at step 4\n";
  const JobSpec changed = spec_in(dir / "run", "[train]\nlr = 0.2\n");
  jobs_test::Capture err(2);
  open_run_dir(changed, s, RunMode::kResume, true, "");
  err.stop();
  EXPECT_EQ(read_file(dir / "run/job.toml"), first.source_text);  // the run's own record is kept
  EXPECT_EQ(read_file(dir / "run/status"), "running\n");
  EXPECT_EQ(err.text(), "warning: setup.toml differs from the job the run started with (" + dir / "run/job.toml" +
                            ") in 1 setting(s); continuing with setup.toml:\n  train.lr: 0.1 -> 0.2\n");
  // The same job resolved from another text: --set of the same output_dir, a value written that
  // equals the default, comments and order: no warning (resolved jobs are compared, not texts).
  const JobSpec same = parse_job_text("# a comment\n[train]\nlr = 0.1\nepochs = " +
                                          std::to_string(first.train.epochs) + "\n[job]\nname = \"setup\"\n",
                                      "setup.toml", {"job.output_dir=" + dir / "run"});
  EXPECT_NE(same.source_text, first.source_text);
  jobs_test::Capture quiet(2);
  open_run_dir(same, s, RunMode::kResume, true, "");
  quiet.stop();
  EXPECT_EQ(quiet.text(), "");
  // A run directory without job.toml (a run of an older version) gets one on resume.
  std::filesystem::remove(dir / "run/job.toml");
  jobs_test::Capture none(2);
  open_run_dir(changed, s, RunMode::kResume, true, "");
  none.stop();
  EXPECT_EQ(none.text(), "");
  EXPECT_EQ(read_file(dir / "run/job.toml"), changed.source_text);
}

TEST(RunSetup, RunGuardedRecordsFailuresAndRethrows) {
  jobs_test::ScratchDir dir("run_setup_guarded");
  const JobSpec spec = spec_in(dir / "run");
  RunSetup s = setup_for(spec);
  open_run_dir(spec, s, RunMode::kFresh, true, "");
  RunOptions options;
  EXPECT_EQ(run_guarded(s, options, [] { return 7; }), 7);
  EXPECT_THROW(run_guarded(s, options, []() -> int { CURVLAB_THROW(IoError, "no data"); }), IoError);
  EXPECT_EQ(read_file(dir / "run/status"), "failed: no data\n");
  options.divergence_ends_run_only = true;
  EXPECT_THROW(run_guarded(s, options, []() -> int { CURVLAB_THROW(DivergenceError, "loss NaN at step 2"); }),
               DivergenceError);
  EXPECT_EQ(read_file(dir / "run/status"), "failed: diverged: loss NaN at step 2\n");
  // Other exceptions: one rank rethrows them untouched; several ranks abort the job with status 1.
  std::ofstream(dir / "run/status") << "running\n";
  EXPECT_THROW(run_guarded(s, options, []() -> int { throw std::runtime_error("boom"); }), std::runtime_error);
  EXPECT_EQ(read_file(dir / "run/status"), "running\n");
  RunSetup many = setup_for(spec, std::make_shared<jobs_test::AbortingRanks>(2));
  jobs_test::Capture err(2);
  try {
    run_guarded(many, options, []() -> int { throw std::runtime_error("boom"); });
    FAIL() << "no abort";
  } catch (const jobs_test::Aborted& a) {
    EXPECT_EQ(a.exit_code, 1);
  }
  err.stop();
  EXPECT_EQ(err.text(), "error (rank 0 of 2): boom\n");
  // A divergence on several ranks with divergence_ends_run_only: collective, no abort.
  EXPECT_THROW(run_guarded(many, options, []() -> int { CURVLAB_THROW(DivergenceError, "NaN"); }), DivergenceError);
  options.divergence_ends_run_only = false;
  EXPECT_THROW(run_guarded(many, options, []() -> int { CURVLAB_THROW(DivergenceError, "NaN"); }), jobs_test::Aborted);
}

}  // namespace
}  // namespace curvlab
