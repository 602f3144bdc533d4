// The text of an sbatch script that runs one curvlab run, or a job array with one task per run.
// Pure text generation (no files, no Slurm): cluster/submit.h writes and submits it.
// Each line is explained in docs/clusters.md ("The generated script, line by line").
#pragma once

#include <string>
#include <vector>

#include "cluster/cluster_options.h"

namespace curvlab {

// One run of a batch job: the job file it runs and its output directory (absolute paths).
struct BatchRun {
  std::string job_file;
  std::string run_dir;
};

struct BatchScriptSpec {
  std::string job_name;                  // --job-name
  std::vector<BatchRun> runs;            // one per array task (index = SLURM_ARRAY_TASK_ID)
  bool array = false;                    // a job array (--array=0-N) even when runs.size() == 1
  std::string log_dir;                   // --output goes here: run_dir for one run, the sweep dir for arrays
  std::string workdir;                   // --chdir: where relative paths of the job file are resolved
  std::string executable;                // absolute path of the curvlab binary
  std::vector<std::string> overrides;    // --set key=value passed to every `curvlab run`
  ClusterOptions cluster;
};

// The script; deterministic (no dates, no host names) so it can be checked against golden files.
std::string batch_script_text(const BatchScriptSpec& spec);

// `text` as one shell word: unchanged when it is made only of safe characters, else single-quoted.
std::string shell_quote(const std::string& text);

}  // namespace curvlab
