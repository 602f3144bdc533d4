// Tests of comm/factory.cpp under a real mpirun (1-4 ranks): the automatic choice is mpi when
// the launcher started several ranks (local for one), an explicit mpi gives this rank of the
// world, and local is refused with several ranks. (Without mpirun: factory_test.cpp.)
#include <gtest/gtest.h>

#include "base/error.h"
#include "cluster/launch_context.h"
#include "comm/factory.h"
#include "mpi_test_world.h"

namespace curvlab {
namespace {

using testing_mpi::world;

TEST(FactoryMpi, ChoosesMpiUnderALauncher) {
  auto launch = detect_launch_context().info();
  CommOptions spec;
  auto comm = make_communicator(spec, launch, /*cuda_model=*/false);
  EXPECT_EQ(comm->backend(), world()->size() > 1 ? "mpi" : "local");
  EXPECT_EQ(process_rank(), world()->rank());
  spec.backend = Backend::kMpi;
  auto mpi = make_communicator(spec, launch, false);
  EXPECT_EQ(mpi->backend(), "mpi");
  EXPECT_EQ(mpi->rank(), world()->rank());
  spec.backend = Backend::kLocal;
  if (world()->size() > 1) EXPECT_THROW(make_communicator(spec, launch, false), ConfigError);
}

}  // namespace
}  // namespace curvlab
