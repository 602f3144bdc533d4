// Distributed Hutchinson traces under mpirun (1-4 ranks): every rank holds a skewed share of the
// same 50 samples; the data-parallel trace (the operator reduces over ranks) and the sample-parallel
// trace (each rank holds all samples and computes every W-th probe) give the per-probe values and
// layer traces one process computes on all 50 samples, and so does the Lanczos top eigenvalue over
// the distributed operator (each rank computes that reference itself). Tolerance 1e-5 relative
// (float64; the differences are ~1e-14).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "algorithms/hessian/eigen.h"
#include "algorithms/hessian/hutchinson.h"
#include "algorithms/hessian/hvp.h"
#include "algorithms/hessian/sample_share.h"
#include "algorithms/hessian/tiny_problem.h"
#include "mpi_test_world.h"

namespace curvlab {
namespace {
using testing_hessian::as_operator;
using testing_hessian::make_tiny_problem;
using testing_hessian::share;
using testing_mpi::world;

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
