// Asking Slurm to requeue the job this process runs in (`scontrol requeue <id>`), after a stop
// signal and a consistent checkpoint. Not for: catching the signal (cluster/stop_signals.h).
#pragma once

#include <string>

namespace curvlab {

struct RequeueOutcome {
  bool ok = false;
  std::string message;  // scontrol's output, or why nothing was tried
};

// Runs `scontrol requeue <job_id>`. job_id must be digits (an array task has its own job id,
// SLURM_JOB_ID). Never throws: a failed requeue leaves the run stopped and resumable.
RequeueOutcome requeue_slurm_job(const std::string& job_id);

}  // namespace curvlab
