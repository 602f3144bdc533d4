// `curvlab status DIR`: the state of each run under DIR read from its output directory (status
// file, metrics CSV, Slurm job id, logs), joined with Slurm's view (squeue) when Slurm answers.
// Not for: changing anything (it only reads) or submitting (cluster/submit.h).
#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace curvlab {

// What Slurm says about one job (or array task): "PENDING", "RUNNING", "COMPLETED", ...
struct SlurmJobView {
  std::string state;
  std::string reason;
};

// job id ("123" or "123_4") -> view; empty when Slurm is not there or no longer knows the jobs.
// The default (slurm_query_squeue) runs `squeue -h -r -t all -j <ids> -O JobArrayID,State,Reason`.
using SlurmQuery = std::function<std::map<std::string, SlurmJobView>(const std::vector<std::string>& job_ids)>;
std::map<std::string, SlurmJobView> slurm_query_squeue(const std::vector<std::string>& job_ids);

struct RunState {
  std::string run_dir;
  // pending | running | interrupted | requeued | stopped | failed | done | not started. "interrupted":
  // the status file says running but its process is gone (heartbeat: killed, out of memory, node lost).
  std::string state;
  long long step = -1;     // last step in metrics_steps.csv; -1 when none
  double samples_per_s = 0;
  std::string detail;      // test accuracy, Slurm state and reason, the status line, the heartbeat, ...
  std::string resume_hint; // interrupted and stopped runs: how to continue them
  std::string slurm_id;
  std::string slurm_state;
  std::vector<std::string> log_tail;  // failed runs: the last lines of the newest slurm-*.out
};

// The run directories under `dir`: `dir` itself when it is a run (job.toml, checkpoints, status or
// slurm_job_id), the runs listed in `dir`/runs.tsv (job arrays), else its sub-directories that are runs.
std::vector<std::string> find_runs(const std::string& dir);

// The state of each run. `query` is called once with every known Slurm job id (null: no Slurm).
// A run whose status says running is judged by its heartbeat (base/heartbeat.h) unless Slurm says
// it is active: alive, or interrupted when its process (or the boot it ran in) is gone on this
// host, or no beat came for too long from another host.
std::vector<RunState> collect_run_states(const std::vector<std::string>& run_dirs, const SlurmQuery& query);

// A table of the runs (and the log tail of failed ones); returns the number of runs not done.
int print_run_states(const std::vector<RunState>& states, std::ostream& out);

}  // namespace curvlab
