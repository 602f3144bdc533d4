// Hessian-vector products, eigenvalues (power iteration, Lanczos; whole model and per layer),
// Hutchinson traces and SLQ densities on a tiny float64 MLP, against the exact Hessian from
// dense autograd (tiny_problem.h) and torch::linalg::eigh.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "algorithms/hessian/eigen.h"
#include "algorithms/hessian/hutchinson.h"
#include "algorithms/hessian/hvp.h"
#include "algorithms/hessian/slq.h"
#include "base/seeding.h"
#include "algorithms/hessian/tiny_problem.h"

namespace curvlab {
namespace {
using testing_hessian::make_tiny_problem;
using testing_hessian::TinyProblem;

LinearOperator as_operator(HvpOperator& hvp) {
  return {hvp.dim(), [&hvp](const torch::Tensor& v) { return hvp.apply(v); }};
}
LinearOperator dense_operator(const torch::Tensor& H) {
  return {H.size(0), [H](const torch::Tensor& v) { return torch::mv(H, v); }};
}
std::vector<std::pair<std::int64_t, std::int64_t>> blocks_of(const HvpOperator& hvp) {
  std::vector<std::pair<std::int64_t, std::int64_t>> b;
  for (const auto& g : hvp.groups()) b.emplace_back(g.offset, g.numel);
  return b;
}

TEST(Hvp, MatchesDenseHessianForOneAndManyChunksWithAndWithoutCache) {
  TinyProblem p = make_tiny_problem();
  const std::int64_t P = p.dense.size(0);
  ASSERT_GT(P, 100);
  torch::manual_seed(7);
  for (std::int64_t chunk : {50, 7}) {
    for (bool cache : {true, false}) {
      HvpOptions o;
      o.chunk_size = chunk;
      o.cache_graph = cache;
      HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, o);
      ASSERT_EQ(hvp.dim(), P);
      for (int rep = 0; rep < 3; ++rep) {
        torch::Tensor v = torch::randn({P}, torch::kFloat64);
        const double diff = (hvp.apply(v) - torch::mv(p.dense, v)).abs().max().item<double>();
        EXPECT_LT(diff, 1e-5) << "chunk " << chunk << " cache " << cache << ": max |Hv - H_dense v| = " << diff;
      }
      EXPECT_EQ(hvp.hvp_count(), 3);
    }
  }
}

TEST(Hvp, GroupsAreTheLayersAndCoverTheVector) {
  TinyProblem p = make_tiny_problem();
  HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, {});
  ASSERT_EQ(hvp.groups().size(), 3u);
  EXPECT_EQ(hvp.groups()[0].name, "fc1");
  EXPECT_EQ(hvp.groups()[2].name, "fc3");
  std::int64_t off = 0;
  for (const auto& g : hvp.groups()) {
    EXPECT_EQ(g.offset, off);
    off += g.numel;
  }
  EXPECT_EQ(off, hvp.dim());
}

TEST(Eigen, LanczosTopEigenvaluesMatchEigh) {
  TinyProblem p = make_tiny_problem();
  HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, {});
  const torch::Tensor exact = std::get<0>(torch::linalg::eigh(p.dense, "L"));  // ascending
  const std::int64_t P = exact.size(0);
  EigenOptions o;
  o.k = 3;
  o.tol = 1e-10;
  o.max_iter = P;
  EigenResult r = lanczos_top(as_operator(hvp), o);
  ASSERT_EQ(r.values.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const double e = exact[P - 1 - i].item<double>();
    EXPECT_NEAR(r.values[i], e, 1e-4 * std::max(1.0, std::fabs(e))) << "eigenvalue " << i;
    EXPECT_LT(r.residuals[i], 1e-5 * std::max(1.0, std::fabs(e)));
  }
  EXPECT_TRUE(r.converged);
}

TEST(Eigen, PowerIterationWithDeflationMatchesLargestMagnitudeEigenvalues) {
  TinyProblem p = make_tiny_problem();
  const torch::Tensor exact = std::get<0>(torch::linalg::eigh(p.dense, "L"));
  const torch::Tensor by_mag = std::get<0>(exact.abs().sort(0, /*descending=*/true));
  const torch::Tensor idx = std::get<1>(exact.abs().sort(0, true));
  EigenOptions o;
  o.k = 2;
  o.tol = 1e-12;
  o.max_iter = 20000;
  EigenResult r = power_iteration(dense_operator(p.dense), o);
  for (int i = 0; i < 2; ++i) {
    const double e = exact[idx[i].item<std::int64_t>()].item<double>();
    EXPECT_NEAR(r.values[i], e, 1e-4 * std::max(1.0, std::fabs(e))) << "eigenvalue " << i;
  }
  // The same through the HVP operator (fewer iterations: the top one only).
  HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, {});
  o.k = 1;
  EigenResult h = power_iteration(as_operator(hvp), o);
  const double e0 = exact[idx[0].item<std::int64_t>()].item<double>();
  EXPECT_NEAR(h.values[0], e0, 1e-4 * std::max(1.0, std::fabs(e0)));
  EXPECT_EQ(h.hvps, hvp.hvp_count());
  (void)by_mag;
}

TEST(Eigen, PerLayerTopEigenvaluesMatchTheDenseDiagonalBlocks) {
  TinyProblem p = make_tiny_problem();
  HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, {});
  for (const auto& g : hvp.groups()) {
    const torch::Tensor block = p.dense.slice(0, g.offset, g.offset + g.numel).slice(1, g.offset, g.offset + g.numel);
    const double exact = std::get<0>(torch::linalg::eigh(block, "L"))[g.numel - 1].item<double>();
    EigenOptions o;
    o.k = 1;
    o.tol = 1e-10;
    o.max_iter = g.numel;
    EigenResult r = lanczos_top(restrict_to_block(as_operator(hvp), g.offset, g.numel), o);
    EXPECT_NEAR(r.values[0], exact, 1e-4 * std::max(1.0, std::fabs(exact))) << g.name;
  }
}

TEST(Hutchinson, TraceWithinThreeStandardErrorsAndLayersSumToTotal) {
  TinyProblem p = make_tiny_problem();
  HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, {});
  const double exact = p.dense.trace().item<double>();
  TraceOptions o;
  o.tol = 0;  // never stop early
  o.max_samples = 400;
  o.seed = 11;
  TraceResult r = hutchinson_trace(as_operator(hvp), blocks_of(hvp), o);
  EXPECT_EQ(r.samples, 400);
  EXPECT_EQ(r.hvps, 400);
  EXPECT_FALSE(r.converged);
  EXPECT_LT(std::fabs(r.total.mean - exact), 3 * r.total.se)
      << "estimate " << r.total.mean << " +- " << r.total.se << ", exact " << exact;
  double sum = 0;
  for (std::size_t g = 0; g < r.groups.size(); ++g) {
    sum += r.groups[g].mean;
    const auto& grp = hvp.groups()[g];
    const double block_exact =
        p.dense.diagonal().slice(0, grp.offset, grp.offset + grp.numel).sum().item<double>();
    EXPECT_LT(std::fabs(r.groups[g].mean - block_exact), 3 * r.groups[g].se + 1e-12) << grp.name;
  }
  EXPECT_NEAR(sum, r.total.mean, 1e-9 * std::max(1.0, std::fabs(r.total.mean)));
  // Standard error shrinks like 1/sqrt(n): SE after 100 probes vs after 400 is about 2.
  const double ratio = r.running_se[99] / r.running_se[399];
  EXPECT_GT(ratio, 1.5);
  EXPECT_LT(ratio, 2.7);
}

TEST(Hutchinson, StopsAtTheRelativeTolerance) {
  TinyProblem p = make_tiny_problem();
  HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, {});
  TraceOptions o;
  o.tol = 0.05;
  o.min_samples = 5;
  o.max_samples = 5000;
  TraceResult r = hutchinson_trace(as_operator(hvp), {}, o);
  EXPECT_TRUE(r.converged);
  EXPECT_LE(r.total.se, 0.05 * std::fabs(r.total.mean));
  EXPECT_LT(r.samples, 5000);
  // One probe fewer would not have met the rule (or was below min_samples).
  if (r.samples > 5) EXPECT_GT(r.running_se[r.samples - 2], 0.05 * std::fabs(r.running_mean[r.samples - 2]));
}

TEST(Slq, DensityIntegratesToOneAndFirstMomentIsTraceOverN) {
  TinyProblem p = make_tiny_problem();
  HvpOperator hvp(p.model, p.inputs, p.targets, 50, nullptr, {});
  const std::int64_t P = hvp.dim();
  SlqOptions o;
  o.runs = 8;
  o.steps = 40;
  o.grid_points = 4000;
  o.seed = 5;
  SlqResult r = slq_density(as_operator(hvp), o);
  EXPECT_EQ(r.hvps, 8 * 40);
  const double dx = (r.grid[1] - r.grid[0]).item<double>();
  const double integral = torch::trapezoid(r.density, dx).item<double>();
  EXPECT_NEAR(integral, 1.0, 1e-3);
  const double moment = torch::trapezoid(r.density * r.grid, dx).item<double>();
  EXPECT_NEAR(moment, r.first_moment, 1e-3 * std::max(1.0, std::fabs(r.first_moment)));
  // The quadrature's first moment is exactly mean_i v_i^T H v_i / P for the same probes.
  double quad = 0;
  for (std::int64_t run = 0; run < o.runs; ++run) {
    const torch::Tensor v = rademacher(P, derive_seed(o.seed, "slq", static_cast<std::uint64_t>(run)));
    quad += torch::dot(v, torch::mv(p.dense, v)).item<double>() / static_cast<double>(P);
  }
  quad /= static_cast<double>(o.runs);
  EXPECT_NEAR(r.first_moment, quad, 1e-8 * std::max(1.0, std::fabs(quad)));
  // ... and that is an estimate of Tr(H)/P: within 4 standard errors of the 8 probes.
  std::vector<double> per;
  for (std::int64_t run = 0; run < o.runs; ++run) {
    const torch::Tensor v = rademacher(P, derive_seed(o.seed, "slq", static_cast<std::uint64_t>(run)));
    per.push_back(torch::dot(v, torch::mv(p.dense, v)).item<double>() / static_cast<double>(P));
  }
  const Estimate e = mean_and_se(per);
  EXPECT_LT(std::fabs(r.first_moment - p.dense.trace().item<double>() / static_cast<double>(P)), 4 * e.se);
  // Weights of each run sum to 1.
  EXPECT_LT((r.weights.sum(1) - 1).abs().max().item<double>(), 1e-10);
}

}  // namespace
}  // namespace curvlab
