// `curvlab status SWEEP_DIR`: one table of every run of a sweep (state, steps reached, best test
// accuracy, the step that met the target, the swept values), read from the sweep directory and
// joined with Slurm's view when there is one (cluster/run_status.h does the per-run part).
// Not for: changing anything; the report (`curvlab report`) aggregates the runs.
#pragma once

#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "cluster/run_status.h"

namespace curvlab {

struct SweepRunStatus {
  std::string id;
  RunState run;                        // run.state: one of RunState's states, or diverged
  std::vector<std::string> values;     // TOML literals, in SweepStatus::keys order
  double best_accuracy = std::numeric_limits<double>::quiet_NaN();  // best test_accuracy of metrics_evals.csv
  long long best_step = -1;
  long long target_step = -1;          // first evaluation that met the sweep's target; -1: not (yet)
};

struct SweepStatus {
  std::string sweep_dir;
  std::vector<std::string> keys;       // swept keys (the columns of sweep.tsv after job_file)
  std::string target_metric;           // from sweep.toml; "" when none (or unreadable)
  double target_value = 0.0;
  std::vector<SweepRunStatus> runs;    // sweep.tsv order
};

// True when `dir` holds a sweep.tsv.
bool holds_sweep(const std::string& dir);

// Reads sweep.tsv, sweep.toml's target and each run's directory; `query` as for collect_run_states.
SweepStatus collect_sweep_states(const std::string& sweep_dir, const SlurmQuery& query);

// Prints the table and a count per state; returns the number of runs neither done nor diverged.
int print_sweep_states(const SweepStatus& status, std::ostream& out);

// A plain left-aligned text table (columns padded to their widest cell).
void print_text_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                      std::ostream& out);

}  // namespace curvlab
