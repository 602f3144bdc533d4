// `curvlab run SWEEP.toml`: runs the runs of a sweep one after another in this process, each on the
// ranks the command was started with (under mpirun -np N every rank walks the same list), skipping
// finished runs, resuming interrupted ones, and recording diverged runs without stopping.
// Not for: expansion (sweep_expand.h), Slurm (sweep_submit.h) or the state table (sweep_status.h).
#pragma once

#include <string>
#include <vector>

#include "jobs/job_spec.h"

namespace curvlab {

struct SweepRunOptions {
  bool quiet = false;           // passed on to each run
  bool retry_failed = false;    // --retry-failed: start diverged runs over (else they stay as they are)
};

// What a run's status file says the sweep should do with it.
enum class SweepRunAction { kSkipDone, kSkipDiverged, kRun, kRestart };
SweepRunAction sweep_run_action(const std::string& run_dir, bool retry_failed);

// Expands `spec` (a job file with [sweep], parsed with `overrides`), writes the sweep directory
// (rank 0), runs every run that is not done, and prints a table of the runs. Returns 0 when every
// run is done or diverged; the exit status of a run that stopped on a signal (75) or failed
// otherwise (the sweep stops there; run the command again to go on).
int run_sweep(const JobSpec& spec, const std::vector<std::string>& overrides, const SweepRunOptions& options);

// `curvlab validate SWEEP.toml`: prints the expansion (runs, ids, values, steps) without writing.
int print_sweep_expansion(const JobSpec& spec, const std::vector<std::string>& overrides);

}  // namespace curvlab
