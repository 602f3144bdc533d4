// `curvlab submit SWEEP.toml`: expands the sweep, writes its directory, and hands the runs that are
// neither done nor diverged to one Slurm job array (cluster::submit_array), one task per run, each
// on the ranks of the sweep file's [cluster] section (command-line flags override it). The array's
// script, runs.tsv and Slurm logs go to <sweep_dir>/slurm/, so nothing clobbers sweep.tsv.
// Not for: the batch script's text (cluster/batch_script.h) or running runs locally (sweep_runner.h).
#pragma once

#include <string>
#include <vector>

#include "cluster/submit.h"
#include "jobs/job_spec.h"

namespace curvlab {

// `overrides` are the --set and cluster flag overrides the spec was parsed with (already part of
// every resolved job file, so the array's `curvlab run` lines get none). Diverged runs are listed
// in result.skipped with the done ones.
SubmitResult submit_sweep(const JobSpec& spec, const std::vector<std::string>& overrides, const SubmitOptions& options);

}  // namespace curvlab
