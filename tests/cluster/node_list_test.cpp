// Node names from the communicator (the MPI runtime's view) and their cross-check against Slurm's
// node counts. The multi-rank gather runs in the Slurm and signal tests under mpirun/srun.
#include "cluster/node_list.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "comm/local/local_communicator.h"

namespace curvlab {
namespace {

TEST(NodeList, OneProcessIsThisHost) {
  LocalCommunicator comm;
  char name[256] = {0};
  gethostname(name, sizeof(name) - 1);
  const std::vector<std::string> nodes = gather_node_names(comm);
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0], comm.host());
  EXPECT_EQ(nodes[0], std::string(name));
  EXPECT_EQ(describe_nodes(nodes), std::string(name) + " (1 node)");
}

TEST(NodeList, CrossCheckWithSlurm) {
  LaunchContext none;
  EXPECT_EQ(check_nodes_against_slurm({"a", "b"}, none), "");  // not under Slurm: nothing to compare
  LaunchContext srun;
  srun.launcher = "srun";
  srun.slurm_job_nodes = 4;
  srun.slurm_step_nodes = 2;
  EXPECT_EQ(check_nodes_against_slurm({"a", "b"}, srun), "");
  EXPECT_NE(check_nodes_against_slurm({"a"}, srun).find("SLURM_STEP_NUM_NODES"), std::string::npos);
  LaunchContext mpirun;
  mpirun.launcher = "mpirun";
  mpirun.slurm_job_nodes = 2;
  EXPECT_EQ(check_nodes_against_slurm({"a"}, mpirun), "");  // mpirun may use part of the allocation
  EXPECT_NE(check_nodes_against_slurm({"a", "b", "c"}, mpirun).find("outside the allocation"), std::string::npos);
  EXPECT_EQ(describe_nodes({"n1", "n2", "n3", "n4", "n5"}, 2), "n1, n2, ... (5 nodes)");
}

}  // namespace
}  // namespace curvlab
