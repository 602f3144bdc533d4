// Tests of base/blas_threads.h against OpenBLAS's own getter, looked up here independently:
// set_openblas_threads returns the previous count and sets the new one; SingleBlasThread runs
// its scope with one thread and restores the count. Without OpenBLAS in the process the calls
// must be harmless no-ops returning -1.
#include "base/blas_threads.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace curvlab {
namespace {

using GetFn = int (*)();

GetFn openblas_get() { return reinterpret_cast<GetFn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads")); }

TEST(BlasThreads, SetReturnsThePreviousCountAndSetsTheNewOne) {
  torch::mm(torch::ones({4, 4}), torch::ones({4, 4}));  // make sure the BLAS is loaded and initialised
  const GetFn get = openblas_get();
  if (get == nullptr) {
    EXPECT_EQ(set_openblas_threads(2), -1);
    GTEST_SKIP() << "OpenBLAS is not the BLAS of this process: set_openblas_threads is a no-op (checked)";
  }
  const int original = get();
  EXPECT_EQ(set_openblas_threads(1), original);
  EXPECT_EQ(get(), 1);
  EXPECT_EQ(set_openblas_threads(2), 1);
  EXPECT_EQ(get(), 2);
  EXPECT_EQ(set_openblas_threads(2), 2);  // unchanged
  set_openblas_threads(original);
  EXPECT_EQ(get(), original);
}

TEST(BlasThreads, SingleBlasThreadRestoresTheCount) {
  const GetFn get = openblas_get();
  if (get == nullptr) GTEST_SKIP() << "OpenBLAS is not the BLAS of this process";
  const int original = get();
  set_openblas_threads(2);
  {
    SingleBlasThread one;
    EXPECT_EQ(get(), 1);
    {
      SingleBlasThread nested;  // saved 1: leaves it at 1
      EXPECT_EQ(get(), 1);
    }
    EXPECT_EQ(get(), 1);
    // BLAS work inside the scope gives the same numbers.
    const auto a = torch::arange(64, torch::kFloat64).reshape({8, 8});
    EXPECT_TRUE(torch::equal(torch::mm(a, a), torch::matmul(a, a)));
  }
  EXPECT_EQ(get(), 2);
  set_openblas_threads(original);
}

}  // namespace
}  // namespace curvlab
