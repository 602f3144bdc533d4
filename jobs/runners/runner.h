// Job kinds: the registry from [job] kind to the function that runs it. Each runner wires
// data, model, communicator and engine together for one kind of study.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/run_dir.h"
#include "jobs/job_spec.h"

namespace curvlab {

struct RunOptions {
  RunMode mode = RunMode::kFresh;
  // --auto-resume: resume the run in job.output_dir when there is one, else start it (what a
  // requeued Slurm job needs). Overrides `mode`.
  bool auto_resume = false;
  bool quiet = false;
  // A sweep runs many jobs in one process: a divergence (is_divergence in run_failure.h, raised on
  // every rank at the same step) then ends only this run, with status "failed: diverged: ...",
  // and is rethrown without MPI_Abort so the sweep can go on with its next run.
  bool divergence_ends_run_only = false;
};

using Runner = std::function<int(const JobSpec&, const RunOptions&)>;

// Runs the job with the runner of its kind; returns the process exit status.
int run_job(const JobSpec& spec, const RunOptions& options);
const std::vector<std::string>& job_kinds();

// The runner of kind "train" (jobs/runners/train_runner.cpp).
int run_train_job(const JobSpec& spec, const RunOptions& options);
// The runner of kind "hessian" (jobs/runners/hessian_runner.cpp).
int run_hessian_job(const JobSpec& spec, const RunOptions& options);

}  // namespace curvlab
