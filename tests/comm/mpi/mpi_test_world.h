// The world communicator shared by the tests of the mpirun test binaries (test_comm_mpi,
// test_kfac_mpi, test_hessian_mpi), created in mpi_test_main.cpp.
#pragma once

#include "comm/communicator.h"

namespace curvlab {
namespace testing_mpi {
CommunicatorPtr world();
}  // namespace testing_mpi
}  // namespace curvlab
