// Distributed Hessian-vector products under mpirun (1-4 ranks): every rank holds an even or a
// skewed share of the same 50 samples (sample_share.h); the bucketed allreduce of the product, the
// gradient and the loss must equal what one process computes on all 50 samples (each rank computes
// that reference itself). Tolerance 1e-5 (float64; the differences are ~1e-14), 1e-10 for the loss.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "algorithms/hessian/hvp.h"
#include "algorithms/hessian/sample_share.h"
#include "algorithms/hessian/tiny_problem.h"
#include "mpi_test_world.h"

namespace curvlab {
namespace {
using testing_hessian::make_tiny_problem;
using testing_hessian::share;
using testing_mpi::world;

TEST(HessianMpi, HvpEqualsOneRankHvpForEvenAndSkewedSplits) {
  auto p = make_tiny_problem();
  HvpOptions o;
  o.chunk_size = 7;
  o.bucket_mb = 1e-4;  // ~13 doubles per bucket: many buckets
  HvpOperator ref(p.model, p.inputs, p.targets, 50, nullptr, o);
  for (bool skewed : {false, true}) {
    auto [lo, hi] = share(50, skewed);
    HvpOperator dist(p.model, p.inputs.slice(0, lo, hi), p.targets.slice(0, lo, hi), 50, world(), o);
    torch::manual_seed(42);  // same vector on every rank
    for (int rep = 0; rep < 2; ++rep) {
      const torch::Tensor v = torch::randn({ref.dim()}, torch::kFloat64);
      const double diff = (dist.apply(v) - ref.apply(v)).abs().max().item<double>();
      EXPECT_LT(diff, 1e-5) << "skewed " << skewed << " ranks " << world()->size() << " max diff " << diff;
    }
    const double gdiff = (dist.gradient() - ref.gradient()).abs().max().item<double>();
    EXPECT_LT(gdiff, 1e-5);
    EXPECT_NEAR(dist.loss(), ref.loss(), 1e-10);
  }
}

}  // namespace
}  // namespace curvlab
