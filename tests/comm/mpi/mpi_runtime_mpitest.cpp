// Tests of comm/mpi/mpi_runtime.cpp under mpirun (1-4 ranks): one runtime per process, shared by
// every acquire(), with MPI_THREAD_MULTIPLE and the world rank and size MPI itself reports; and
// the CURVLAB_MPI_CHECK error: call name, rank and MPI_Error_string's own text, file:line, exit 5.
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "comm/mpi/mpi_check.h"
#include "comm/mpi/mpi_runtime.h"
#include "mpi_test_world.h"

namespace curvlab {
namespace {

TEST(MpiRuntime, EveryAcquireSharesTheOneRuntime) {
  auto a = MpiRuntime::acquire();
  auto b = MpiRuntime::acquire();
  EXPECT_EQ(a.get(), b.get());
  EXPECT_GE(a.use_count(), 3);        // a, b and the test entry point's own
  EXPECT_TRUE(a->initialized_here());  // the test entry point started MPI through it
  int rank = -1, size = -1, provided = -1, initialized = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Query_thread(&provided);
  MPI_Initialized(&initialized);
  EXPECT_EQ(a->world_rank(), rank);
  EXPECT_EQ(a->world_size(), size);
  EXPECT_EQ(a->world_size(), testing_mpi::world()->size());
  EXPECT_EQ(provided, MPI_THREAD_MULTIPLE);
  EXPECT_TRUE(initialized);
}

TEST(MpiRuntime, ErrorNamesTheCallTheRankAndMpisText) {
  int rank = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  char text[MPI_MAX_ERROR_STRING] = {0};
  int len = 0;
  MPI_Error_string(MPI_ERR_COUNT, text, &len);
  try {
    mpi_detail::throw_mpi_error(MPI_ERR_COUNT, "MPI_Allreduce(MPI_IN_PLACE, p, n, MPI_FLOAT, MPI_SUM, c)",
                                "/src/comm/mpi/mpi_communicator.cpp", 12);
    ADD_FAILURE() << "expected CommError";
  } catch (const CommError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("MPI_Allreduce failed on rank " + std::to_string(rank) + ": " + text, 0), 0u) << what;
    EXPECT_NE(what.find("mpirun --mca btl"), std::string::npos) << what;
    EXPECT_EQ(e.file(), "comm/mpi/mpi_communicator.cpp");
    EXPECT_EQ(e.line(), 12);
    EXPECT_EQ(e.exit_code(), 5);
  }
}

TEST(MpiRuntime, CheckMacroThrowsOnARealFailedCall) {
  // A duplicate of the world that returns errors; MPI_Send with a negative count fails its
  // argument check before any communication (on every rank alike).
  MPI_Comm comm = MPI_COMM_NULL;
  ASSERT_EQ(MPI_Comm_dup(MPI_COMM_WORLD, &comm), MPI_SUCCESS);
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  int value = 0;
  try {
    CURVLAB_MPI_CHECK(MPI_Send(&value, -1, MPI_INT, 0, 0, comm));
    ADD_FAILURE() << "expected CommError";
  } catch (const CommError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("MPI_Send failed on rank", 0), 0u) << e.what();
    const std::string file = e.file();
    EXPECT_EQ(file.substr(file.size() - std::string("mpi/mpi_runtime_mpitest.cpp").size()), "mpi/mpi_runtime_mpitest.cpp");
  }
  EXPECT_NO_THROW(CURVLAB_MPI_CHECK(MPI_Barrier(comm)));
  MPI_Comm_free(&comm);
}

}  // namespace
}  // namespace curvlab
