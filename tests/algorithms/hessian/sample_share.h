// Each rank's share of the tiny problem's samples in the Hessian mpirun tests (hvp_mpitest.cpp,
// hutchinson_mpitest.cpp): an even split, or a skewed one that gives the ranks unequal shares.
#pragma once

#include <cstdint>
#include <utility>

#include "mpi_test_world.h"

namespace curvlab {
namespace testing_hessian {

// Rank r's share [lo, hi) of n samples: even split (n*r/W) or a skewed one (n*r^2/W^2: rank 0
// gets none when W > 1 and n < W^2... here it gets 50/W^2 rounded down).
inline std::pair<std::int64_t, std::int64_t> share(std::int64_t n, bool skewed) {
  const std::int64_t w = testing_mpi::world()->size(), r = testing_mpi::world()->rank();
  if (!skewed) return {n * r / w, n * (r + 1) / w};
  return {n * r * r / (w * w), n * (r + 1) * (r + 1) / (w * w)};
}

}  // namespace testing_hessian
}  // namespace curvlab
