// What the process launcher (mpirun, srun, or none) says about this process: its rank, the
// number of ranks, its place on the node. This is the ONE place curvlab reads the launchers'
// environment variables; engine code asks the communicator (comm/) for the real world
// information and uses this only to choose a backend and to cross-check MPI's answer.
// Not for: starting jobs (cluster/ slurm writers) or the world information itself (comm/).
#pragma once

#include <string>

#include "comm/factory.h"

namespace curvlab {

struct LaunchContext {
  std::string launcher = "none";  // "mpirun" | "srun" | "none"
  int env_rank = -1;              // -1 when not under a launcher
  int env_size = 1;
  int env_local_rank = 0;
  int env_local_size = 1;
  std::string nodelist;           // SLURM_JOB_NODELIST under Slurm, else empty
  std::string slurm_job_id;       // SLURM_JOB_ID inside a Slurm job (an array task's own id), else empty
  int slurm_restart_count = 0;    // SLURM_RESTART_COUNT: how often the job was requeued
  int slurm_job_nodes = 0;        // SLURM_JOB_NUM_NODES (0 outside Slurm): the allocation's nodes
  int slurm_step_nodes = 0;       // SLURM_STEP_NUM_NODES (0 outside an srun step)

  bool under_launcher() const { return launcher != "none"; }
  // What the backend choice needs of it (comm/factory.h).
  LaunchInfo info() const { return {launcher, env_size}; }
};

// Reads OMPI_COMM_WORLD_{RANK,SIZE,LOCAL_RANK,LOCAL_SIZE} (mpirun), else SLURM_PROCID,
// SLURM_STEP_NUM_TASKS (or SLURM_NTASKS), SLURM_LOCALID, SLURM_STEP_TASKS_PER_NODE with
// SLURM_NODEID, SLURM_JOB_NODELIST (an srun step; PMIX_RANK, set by srun --mpi=pmix, gives the
// rank when SLURM_PROCID is missing), SLURM_JOB_ID, SLURM_RESTART_COUNT,
// SLURM_JOB_NUM_NODES and SLURM_STEP_NUM_NODES. Inside an sbatch script but outside an srun step the
// launcher is "none". Throws ConfigError when a variable is set but is not a number.
LaunchContext detect_launch_context();

// Tasks on node `node_index` from a Slurm tasks-per-node list such as "2(x3),1"; -1 if out of range.
int slurm_tasks_on_node(const std::string& tasks_per_node, int node_index);

}  // namespace curvlab
