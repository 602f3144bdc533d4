// Tests of backend selection (no MPI is started here: MPI cases run under mpirun in test_comm_mpi).
#include "comm/factory.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace curvlab {
namespace {

LaunchInfo launched(int size) { return {"mpirun", size}; }

CommOptions spec(const std::string& backend) {
  CommOptions s;
  s.backend = *backend_names().find(backend);
  return s;
}

std::string resolve(const CommOptions& o, const LaunchInfo& l, bool cuda) {
  return backend_names().name(resolve_backend(o, l, cuda));
}

TEST(Factory, AutoPicksLocalMpiOrNccl) {
  EXPECT_EQ(resolve(spec("auto"), LaunchInfo{}, false), "local");
  EXPECT_EQ(resolve(spec("auto"), launched(1), false), "local");
  EXPECT_EQ(resolve(spec("auto"), launched(4), false), "mpi");
  EXPECT_EQ(resolve(spec("auto"), launched(4), true), nccl_backend_built() ? "nccl" : "mpi");
  EXPECT_EQ(resolve(spec("auto"), LaunchInfo{}, true), nccl_backend_built() ? "nccl" : "local");
}

TEST(Factory, ExplicitChoicesAreCheckedAgainstTheLaunchAndDevice) {
  EXPECT_EQ(resolve(spec("mpi"), LaunchInfo{}, false), "mpi");
  EXPECT_EQ(resolve(spec("local"), launched(1), false), "local");
  EXPECT_THROW(resolve_backend(spec("local"), launched(2), false), ConfigError);
  EXPECT_THROW(resolve_backend(spec("nccl"), launched(2), false), ConfigError);  // model on the CPU
  if (nccl_backend_built()) EXPECT_EQ(resolve(spec("nccl"), launched(2), true), "nccl");
  else EXPECT_THROW(resolve_backend(spec("nccl"), launched(2), true), ConfigError);
  EXPECT_FALSE(backend_names().find("gloo").has_value());  // unknown names stop in the parser
  EXPECT_EQ(backend_names().names(), (std::vector<std::string>{"auto", "mpi", "nccl", "local"}));
}

TEST(Factory, LocalCommunicatorSetsTheProcessRank) {
  set_process_rank(-1);
  auto comm = make_communicator(spec("auto"), LaunchInfo{}, false);
  EXPECT_EQ(comm->backend(), "local");
  EXPECT_EQ(comm->size(), 1);
  EXPECT_EQ(process_rank(), 0);
  set_process_rank(-1);
}

}  // namespace
}  // namespace curvlab
