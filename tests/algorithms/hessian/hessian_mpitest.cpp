// Distributed Hessian products under mpirun (1-4 ranks): every rank holds an uneven share of the
// same 50 samples; the allreduced HVP, the data-parallel Hutchinson trace, the sample-parallel
// trace and the Lanczos top eigenvalue must equal what one process computes on all 50 samples
// (each rank computes that reference itself). Tolerance 1e-5 (float64; differences are ~1e-14).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "algorithms/hessian/eigen.h"
#include "algorithms/hessian/hutchinson.h"
#include "algorithms/hessian/hvp.h"
#include "algorithms/hessian/tiny_problem.h"
#include "mpi_test_world.h"

namespace curvlab {
namespace {
using testing_mpi::world;
using testing_hessian::make_tiny_problem;

LinearOperator as_operator(HvpOperator& hvp) {
  return {hvp.dim(), [&hvp](const torch::Tensor& v) { return hvp.apply(v); }};
}

// Rank r's share [lo, hi) of n samples: even split (n*r/W) or a skewed one (n*r^2/W^2: rank 0
// gets none when W > 1 and n < W^2... here it gets 50/W^2 rounded down).
std::pair<std::int64_t, std::int64_t> share(std::int64_t n, bool skewed) {
  const std::int64_t w = world()->size(), r = world()->rank();
  if (!skewed) return {n * r / w, n * (r + 1) / w};
  return {n * r * r / (w * w), n * (r + 1) * (r + 1) / (w * w)};
}

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

TEST(HessianMpi, TracesAndTopEigenvalueEqualOneRank) {
  auto p = make_tiny_problem();
  HvpOperator ref(p.model, p.inputs, p.targets, 50, nullptr, {});
  auto [lo, hi] = share(50, true);
  HvpOperator dist(p.model, p.inputs.slice(0, lo, hi), p.targets.slice(0, lo, hi), 50, world(), {});
  TraceOptions o;
  o.tol = 0;
  o.max_samples = 10;
  o.seed = 9;
  std::vector<std::pair<std::int64_t, std::int64_t>> blocks;
  for (const auto& g : ref.groups()) blocks.emplace_back(g.offset, g.numel);
  const TraceResult serial = hutchinson_trace(as_operator(ref), blocks, o);
  const TraceResult data_parallel = hutchinson_trace(as_operator(dist), blocks, o);
  const TraceResult sample_parallel = hutchinson_trace(as_operator(ref), blocks, o, world());
  ASSERT_EQ(serial.per_probe.size(), 10u);
  ASSERT_EQ(data_parallel.per_probe.size(), 10u);
  ASSERT_EQ(sample_parallel.per_probe.size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_NEAR(data_parallel.per_probe[i], serial.per_probe[i], 1e-5 * std::max(1.0, std::fabs(serial.per_probe[i])));
    EXPECT_NEAR(sample_parallel.per_probe[i], serial.per_probe[i], 1e-5 * std::max(1.0, std::fabs(serial.per_probe[i])));
  }
  for (std::size_t g = 0; g < blocks.size(); ++g) {
    EXPECT_NEAR(sample_parallel.groups[g].mean, serial.groups[g].mean, 1e-5 * std::max(1.0, std::fabs(serial.groups[g].mean)));
  }
  EXPECT_EQ(sample_parallel.hvps, 10);
  EigenOptions eo;
  eo.k = 2;
  eo.tol = 1e-8;
  eo.max_iter = 60;
  const EigenResult a = lanczos_top(as_operator(ref), eo);
  const EigenResult b = lanczos_top(as_operator(dist), eo);
  for (int i = 0; i < 2; ++i) EXPECT_NEAR(a.values[i], b.values[i], 1e-5 * std::max(1.0, std::fabs(a.values[i])));
}

}  // namespace
}  // namespace curvlab
