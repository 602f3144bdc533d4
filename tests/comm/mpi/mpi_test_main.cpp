// Entry point of the mpirun test binaries (test_comm_mpi, test_kfac_mpi, test_hessian_mpi):
// initialises MPI through MpiRuntime, runs the tests on every rank, prints every rank's failures
// prefixed with its rank, agrees on the outcome (any rank failed -> every rank exits 1) and
// finalises MPI after RUN_ALL_TESTS.
// Tests must keep every rank in the same sequence of collectives: use EXPECT_*, not ASSERT_*,
// around collectives.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>

#include "comm/mpi/mpi_communicator.h"
#include "comm/mpi/mpi_runtime.h"
#include "base/error.h"
#include "mpi_test_world.h"

namespace curvlab {
namespace testing_mpi {
namespace {
CommunicatorPtr g_world;

// Prints each failed assertion as "[rank R] file:line: message" so every rank's failure shows.
class RankFailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestStart(const ::testing::TestInfo& info) override {
    test_ = std::string(info.test_suite_name()) + "." + info.name();
  }
  // (gtest holds its lock here: do not call back into UnitTest.)
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "[rank %d] FAILED %s at %s:%d\n%s\n", rank_, test_.c_str(),
                 result.file_name() ? result.file_name() : "?", result.line_number(), result.message());
    std::fflush(stderr);
  }

 private:
  int rank_;
  std::string test_ = "(outside a test)";
};
}  // namespace

CommunicatorPtr world() { return g_world; }

}  // namespace testing_mpi
}  // namespace curvlab

int main(int argc, char** argv) {
  using namespace curvlab;
  ::testing::InitGoogleTest(&argc, argv);
  torch::set_num_threads(1);
  auto runtime = MpiRuntime::acquire();
  int rc = 0;
  {
    auto world = std::make_shared<MpiCommunicator>();
    testing_mpi::g_world = world;
    set_process_rank(world->rank());
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    if (world->rank() != 0) delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new testing_mpi::RankFailurePrinter(world->rank()));

    rc = RUN_ALL_TESTS();

    auto outcomes = world->allgather(torch::full({1}, rc, torch::kInt32));
    std::string failed;
    for (int r = 0; r < world->size(); ++r) {
      if (outcomes[r].item<int>() != 0) failed += (failed.empty() ? "" : ", ") + std::to_string(r);
    }
    if (!failed.empty()) {
      if (world->rank() == 0) std::fprintf(stderr, "test_comm_mpi: FAILED on rank(s) %s\n", failed.c_str());
      rc = 1;
    }
    world->barrier();
    testing_mpi::g_world.reset();
  }
  runtime.reset();  // MPI_Finalize
  return rc;
}
