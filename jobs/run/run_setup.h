// What every job kind's run function does around its own work, in one place: the launch context,
// intra-op threads and the BLAS policy, the communicator, the run directory (job.toml, status file),
// the start line, the failure policy (status "failed: ...", rank-named abort, exit codes) and the end
// of a run stopped by a preemption signal (status "stopped", Slurm requeue, exit 75).
// Not for: what a kind computes (jobs/<kind>/).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/heartbeat.h"
#include "base/run_dir.h"
#include "cluster/launch_context.h"
#include "comm/communicator.h"
#include "jobs/job_kinds.h"

namespace curvlab {

struct RunSetup {
  LaunchContext launch;
  int threads = 1;           // intra-op threads per rank
  CommunicatorPtr comm;
  RunPaths paths;
  std::shared_ptr<Heartbeat> heartbeat;  // rank 0, from open_run_dir until the run ends
  bool root() const { return comm->rank() == 0; }
};

// Threads (train.threads, else the cores divided by the ranks on this node), one OpenBLAS thread
// (torch parallelises around BLAS calls; a second pool oversubscribes, base/blas_threads.h), the
// communicator of [comm] for a CPU model. Call after the checks that need no other process.
RunSetup start_run(const JobSpec& spec);

// Rank 0: prepares the run directory for `mode`, writes job.toml (on resume: keeps the first one and
// warns when the job differs), status "running", starts the heartbeat (<dir>/heartbeat), and unless quiet the line "curvlab: job ... -> dir"
// with `detail` (what the kind runs on); then every rank waits for it.
void open_run_dir(const JobSpec& spec, RunSetup& setup, RunMode mode, bool quiet, const std::string& detail);

// Runs `body` under the failure policy: a curvlab Error is recorded in the status file and, with
// several ranks, ends the job naming the rank (unless `options.divergence_ends_run_only` and it is a
// divergence); any other exception ends the job on several ranks. Rethrows for the top level.
int run_guarded(RunSetup& setup, const RunOptions& options, const std::function<int()>& body);

// After a trainer stopped on a stop signal (every rank, same step, checkpoint written): records it
// in the status file of spec.job.output_dir, requeues the Slurm job (rank 0, when cluster.requeue)
// and returns kExitStoppedResumable (75). `step` and `checkpoint` say where the run stopped.
int stopped_on_signal(const JobSpec& spec, const LaunchContext& launch, Communicator& comm, std::int64_t step,
                      const std::string& checkpoint);

}  // namespace curvlab
