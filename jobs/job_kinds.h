// Job kinds as plug-ins: a kind ([job] kind = "train", "hessian", ...) is one folder under jobs/
// with its section readers, its validation rules and its run function, described by a JobKind and
// registered in jobs/job_kinds.cpp (the one list). The parser reads every registered kind's
// sections (so unknown keys are found in any job file) and runs every kind's rules (each rule
// looks at job.kind where it applies only to its own kind). How to add one: docs/architecture.md.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/run_dir.h"
#include "jobs/job_spec.h"

namespace curvlab {

class SectionReader;

struct RunOptions {
  RunMode mode = RunMode::kFresh;
  // --auto-resume: resume the run in job.output_dir when there is one, else start it (what a
  // requeued Slurm job needs). Overrides `mode`.
  bool auto_resume = false;
  bool quiet = false;
  // A sweep runs many jobs in one process: a divergence (is_divergence in run/run_failure.h, raised on
  // every rank at the same step) then ends only this run, with status "failed: diverged: ...",
  // and is rethrown without MPI_Abort so the sweep can go on with its next run.
  bool divergence_ends_run_only = false;
};

// A section of the job file: its name ("train") and the function that reads it into the JobSpec.
struct SectionDef {
  const char* name;
  void (*read)(SectionReader& reader, JobSpec& spec);
};

struct JobKind {
  std::string name;                          // [job] kind
  std::vector<SectionDef> sections;          // the sections this kind brings (read for every job file)
  void (*check)(const JobSpec& spec) = nullptr;  // rules between keys; throw a located ConfigError
  int (*run)(const JobSpec& spec, const RunOptions& options) = nullptr;  // returns the exit status
  std::string summary;                       // one line for `curvlab validate`
};

// Every registered kind, in registration order.
const std::vector<JobKind>& job_kinds();
// Their names (for job.kind's allowed values and did-you-mean).
const std::vector<std::string>& job_kind_names();
// Runs the job with its kind's run function; returns the process exit status.
int run_job(const JobSpec& spec, const RunOptions& options);

// The kinds (each in its folder).
JobKind train_job_kind();    // jobs/train/
JobKind hessian_job_kind();  // jobs/hessian/
JobKind attack_job_kind();   // jobs/attack/
JobKind jacobian_job_kind(); // jobs/jacobian/
JobKind simulate_job_kind(); // jobs/simulate/
JobKind reconstruct_job_kind();  // jobs/reconstruct/

}  // namespace curvlab
