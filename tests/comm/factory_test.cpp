// Tests of backend selection (no MPI is started here: MPI cases run under mpirun in test_comm_mpi).
#include "comm/factory.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace curvlab {
namespace {

LaunchContext launched(int size) {
  LaunchContext l;
  l.launcher = "mpirun";
  l.env_rank = 0;
  l.env_size = size;
  return l;
}

CommOptions spec(const std::string& backend) {
  CommOptions s;
  s.backend = backend;
  return s;
}

TEST(Factory, AutoPicksLocalMpiOrNccl) {
  EXPECT_EQ(resolve_backend(spec("auto"), LaunchContext{}, false), "local");
  EXPECT_EQ(resolve_backend(spec("auto"), launched(1), false), "local");
  EXPECT_EQ(resolve_backend(spec("auto"), launched(4), false), "mpi");
  EXPECT_EQ(resolve_backend(spec("auto"), launched(4), true), nccl_backend_built() ? "nccl" : "mpi");
  EXPECT_EQ(resolve_backend(spec("auto"), LaunchContext{}, true), nccl_backend_built() ? "nccl" : "local");
}

TEST(Factory, ExplicitChoicesAreCheckedAgainstTheLaunchAndDevice) {
  EXPECT_EQ(resolve_backend(spec("mpi"), LaunchContext{}, false), "mpi");
  EXPECT_EQ(resolve_backend(spec("local"), launched(1), false), "local");
  EXPECT_THROW(resolve_backend(spec("local"), launched(2), false), ConfigError);
  EXPECT_THROW(resolve_backend(spec("nccl"), launched(2), false), ConfigError);  // model on the CPU
  if (nccl_backend_built()) EXPECT_EQ(resolve_backend(spec("nccl"), launched(2), true), "nccl");
  else EXPECT_THROW(resolve_backend(spec("nccl"), launched(2), true), ConfigError);
  EXPECT_THROW(resolve_backend(spec("gloo"), LaunchContext{}, false), ConfigError);
}

TEST(Factory, LocalCommunicatorSetsTheProcessRank) {
  set_process_rank(-1);
  auto comm = make_communicator(spec("auto"), LaunchContext{}, false);
  EXPECT_EQ(comm->backend(), "local");
  EXPECT_EQ(comm->size(), 1);
  EXPECT_EQ(process_rank(), 0);
  set_process_rank(-1);
}

}  // namespace
}  // namespace curvlab
