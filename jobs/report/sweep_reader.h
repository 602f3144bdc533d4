// Reads a sweep directory (docs/report.md "Input"): sweep.tsv, the resolved job file of each run
// (jobs/<id>.toml, parsed with load_job_file) and each run directory (status, metrics_evals.csv,
// metrics_steps.csv). A run that is missing, still running, failed or unreadable is kept and
// labelled, never fatal. Not for: the statistics (algorithms/scaling/study.h).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "algorithms/scaling/study.h"
#include "algorithms/scaling/target.h"

namespace curvlab {

// True when `dir` holds a run (job.toml, status or metrics_steps.csv).
bool is_run_dir(const std::string& dir);

// The "status" file's first line ("" when there is none).
std::string read_status_line(const std::string& run_dir);

// "done" | "failed" | "diverged" | "stopped" | "running" | "pending", from the status line and
// whether the run's metrics hold a NaN/inf (a diverged run).
std::string classify_run_state(const std::string& status_line, bool has_metrics, bool non_finite);

struct SweepData {
  std::string dir;
  std::vector<std::string> swept_keys;          // as in sweep.tsv's header after id, run_dir, job_file
  std::vector<std::string> hyperparameters;     // swept keys other than job.seed, train.optimizer, train.batch_size
  std::vector<SweptAxis> axes;                  // how each hyperparameter was swept (from sweep.toml)
  std::string axes_note;                        // "" or why sweep.toml could not tell (every key is then a grid key)
  Target target;
  std::string target_source;                    // "--target" or "jobs/<id>.toml"
  std::vector<RunOutcome> runs;                 // one per readable row of sweep.tsv
  std::map<std::string, std::string> run_dirs;  // id -> run directory (absolute or relative to the cwd)
  std::vector<std::string> problems;            // rows that could not be used, in words
};

// How the sweep file `sweep_toml` swept each of `hyperparameters` (grid and case keys: grid; uniform
// and log_uniform: range; choice: choice). Keys it does not name are grid keys. Throws ConfigError
// when the file cannot be read or parsed.
std::vector<SweptAxis> read_swept_axes(const std::string& sweep_toml, const std::vector<std::string>& hyperparameters);

// Reads the sweep at `dir`. `override_target` (when set) replaces the jobs' train.target_*. Throws
// ConfigError when dir has no readable sweep.tsv, or when no target is known (none in the job files
// and no override), or when the job files disagree on the target and no override is given.
SweepData read_sweep(const std::string& dir, const Target& override_target);

}  // namespace curvlab
