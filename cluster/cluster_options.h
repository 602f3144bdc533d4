// Options of `curvlab submit` ([cluster] in a job file): the Slurm resources and the launcher of a
// batch script. `curvlab run` ignores them. Command-line flags of `submit` override each key.
// Declared here, filled by jobs/. See docs/clusters.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/enum_names.h"

namespace curvlab {

enum class Launcher { kSrun, kMpirun };
const EnumNames<Launcher>& launcher_names();  // "srun", "mpirun": how the batch script starts the ranks

struct ClusterOptions {
  std::int64_t nodes = 1;
  std::int64_t tasks_per_node = 1;         // ranks per node
  std::int64_t gpus_per_node = 0;          // 0 = no --gpus-per-node line
  std::int64_t cpus_per_task = 0;          // 0 = no --cpus-per-task line (Slurm's default)
  std::string time = "01:00:00";           // Slurm time limit: [D-]HH:MM:SS, MM:SS or minutes
  std::string partition;                   // empty = the cluster's default partition
  std::string account;
  std::string qos;
  std::string mem;                         // --mem per node, e.g. "16G"; empty = Slurm's default
  Launcher launcher = Launcher::kSrun;
  std::string srun_mpi = "pmix";           // srun --mpi=<value> (Debian's OpenMPI needs pmix)
  std::vector<std::string> mpirun_args;    // extra mpirun arguments, e.g. ["--bind-to", "core"]
  std::int64_t signal_seconds = 120;       // --signal=B:USR1@N: warning N s before the time limit
  bool requeue = true;                     // on the warning signal: checkpoint and requeue the job
  std::int64_t array_throttle = 0;         // sweeps: at most N array tasks at once (%N); 0 = no limit
  std::vector<std::string> modules;        // `module load` lines
  std::vector<std::string> setup;          // shell lines run before the launcher (source venv, export ...)
  std::vector<std::string> sbatch;         // extra #SBATCH options, e.g. ["--mail-type=END", "--constraint=a100"]
  std::string executable;                  // the curvlab binary the script runs; empty = the submitting one
};

}  // namespace curvlab
