// Gathering host names with one allgather of fixed-size byte tensors (kMaxHost bytes per rank).
#include "cluster/node_list.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>

namespace curvlab {
namespace {
constexpr std::int64_t kMaxHost = 256;
}

std::vector<std::string> gather_node_names(Communicator& comm) {
  const std::string me = comm.host();
  torch::Tensor mine = torch::zeros({kMaxHost}, torch::kUInt8);  // [kMaxHost] NUL-padded name
  std::memcpy(mine.data_ptr<std::uint8_t>(), me.data(), std::min<std::size_t>(me.size(), kMaxHost - 1));
  std::vector<std::string> nodes;
  for (const torch::Tensor& t : comm.allgather(mine)) {
    const torch::Tensor c = t.contiguous().cpu();
    const char* p = reinterpret_cast<const char*>(c.data_ptr<std::uint8_t>());
    const std::string name(p, strnlen(p, kMaxHost));
    if (std::find(nodes.begin(), nodes.end(), name) == nodes.end()) nodes.push_back(name);
  }
  return nodes;
}

std::string check_nodes_against_slurm(const std::vector<std::string>& nodes, const LaunchContext& launch) {
  const int n = static_cast<int>(nodes.size());
  if (launch.launcher == "srun" && launch.slurm_step_nodes > 0 && n != launch.slurm_step_nodes) {
    return "MPI reports " + std::to_string(n) + " node(s) but srun started the step on " +
           std::to_string(launch.slurm_step_nodes) + " (SLURM_STEP_NUM_NODES); check the srun/MPI pairing (srun --mpi=pmix)";
  }
  if (launch.slurm_job_nodes > 0 && n > launch.slurm_job_nodes) {
    return "MPI reports " + std::to_string(n) + " node(s) but the Slurm job has " +
           std::to_string(launch.slurm_job_nodes) + " (SLURM_JOB_NUM_NODES); ranks run outside the allocation";
  }
  return "";
}

std::string describe_nodes(const std::vector<std::string>& nodes, std::size_t max_names) {
  std::string out;
  for (std::size_t i = 0; i < nodes.size() && i < max_names; ++i) out += (i ? ", " : "") + nodes[i];
  if (nodes.size() > max_names) out += ", ...";
  return out + " (" + std::to_string(nodes.size()) + " node" + (nodes.size() == 1 ? "" : "s") + ")";
}

}  // namespace curvlab
