// The nodes a run spans, as the MPI runtime sees them (each rank's host name, gathered), checked
// against Slurm's node count when the run is inside a Slurm job. Not for: choosing ranks or
// devices (comm/ does that from MPI) or reading the environment (cluster/launch_context.h).
#pragma once

#include <string>
#include <vector>

#include "cluster/launch_context.h"
#include "comm/communicator.h"

namespace curvlab {

// The distinct host names of all ranks, in rank order of first appearance. Collective: every
// rank must call it. A host name longer than 255 bytes is cut.
std::vector<std::string> gather_node_names(Communicator& comm);

// "" when the nodes agree with Slurm (or there is nothing to compare), else a warning line:
// the number of distinct hosts MPI reports differs from SLURM_STEP_NUM_NODES (srun) or, for
// mpirun, is more than SLURM_JOB_NUM_NODES.
std::string check_nodes_against_slurm(const std::vector<std::string>& nodes, const LaunchContext& launch);

// "host1, host2, ... (N nodes)" with at most `max_names` names.
std::string describe_nodes(const std::vector<std::string>& nodes, std::size_t max_names = 4);

}  // namespace curvlab
