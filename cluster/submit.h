// `curvlab submit`: writes the sbatch script of a run (or of a job array, one task per run) next to
// its results, submits it with `sbatch`, and records the Slurm job id in each run's directory.
// A sweep (issue 6) hands its expanded runs to submit_array(); anything else uses submit_run().
// Not for: the script's text (cluster/batch_script.h) or reading state back (cluster/run_status.h).
#pragma once

#include <string>
#include <vector>

#include "cluster/batch_script.h"

namespace curvlab {

struct SubmitOptions {
  bool dry_run = false;                 // write the script and print it; do not call sbatch
  std::vector<std::string> overrides;   // --set key=value: passed on to every `curvlab run` in the script
  std::string workdir;                  // --chdir of the job; empty = the current directory
};

struct SubmitResult {
  std::string script_path;
  std::string script_text;
  std::string job_id;                   // empty with dry_run (or when every run was done)
  std::vector<BatchRun> submitted;      // in array-task order
  std::vector<BatchRun> skipped;        // runs already done
};

// File names inside a run directory / an array directory.
constexpr const char* kRunScriptName = "submit.sbatch";    // <run_dir>/submit.sbatch
constexpr const char* kArrayScriptName = "array.sbatch";   // <array_dir>/array.sbatch
constexpr const char* kArrayRunsName = "runs.tsv";         // <array_dir>/runs.tsv: task, run_dir, job_file
constexpr const char* kSlurmJobIdName = "slurm_job_id";    // <run_dir>/slurm_job_id: "123" or "123_4"

// One run of the job file `job_file` named `job_name`: the script goes to <output_dir>/submit.sbatch.
// A run that is already done is not submitted (result.job_id stays empty and result.skipped holds it).
SubmitResult submit_run(const std::string& job_file, const std::string& job_name, const std::string& output_dir,
                        const ClusterOptions& cluster, const SubmitOptions& options);

// A job array over `runs` (job files whose output dirs are the run dirs; absolute or relative to
// the working dir): runs already done are skipped, the others become tasks 0..N-1 in order.
// The script, runs.tsv and the array's Slurm logs go to `array_dir`; `cluster` gives the resources
// of each task. Throws ConfigError when `runs` is empty.
SubmitResult submit_array(const std::string& job_name, const std::vector<BatchRun>& runs,
                          const std::string& array_dir, const ClusterOptions& cluster, const SubmitOptions& options);

// True when <run_dir>/status says "done".
bool run_is_done(const std::string& run_dir);

// Runs `sbatch --parsable <script>` and returns the job id; throws ConfigError when sbatch is
// missing or refuses the script (with its message).
std::string sbatch_submit(const std::string& script_path);

}  // namespace curvlab
