// Tests of algorithms/hessian/slq.cpp: on the tiny float64 MLP the density integrates to 1 (1e-3,
// trapezoid rule) and its first moment is exactly mean_i v_i^T H v_i / P for the same probes
// (1e-8); with as many steps as the dimension the Ritz values and weights are exact (eigenvalues
// and squared projections of the start vector, 1e-8); the automatic width and the grid; errors.
#include "algorithms/hessian/slq.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "algorithms/hessian/hutchinson.h"
#include "algorithms/hessian/tiny_problem.h"
#include "base/error.h"
#include "base/seeding.h"

namespace curvlab {
namespace {
using testing_hessian::as_operator;
using testing_hessian::dense_operator;
using testing_hessian::make_tiny_problem;
using testing_hessian::TinyProblem;

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

TEST(Slq, ExactNodesAndWeightsWhenTheStepsCoverTheSpace) {
  // H = Q diag(lambda) Q^T with known distinct eigenvalues, dimension 6, 6 steps.
  torch::manual_seed(4);
  const torch::Tensor lambda = torch::tensor({-1.0, 0.5, 1.0, 2.0, 3.5, 7.0}, torch::kFloat64);
  const torch::Tensor Q = std::get<0>(torch::linalg::qr(torch::randn({6, 6}, torch::kFloat64)));
  const torch::Tensor H = Q.mm(torch::diag(lambda)).mm(Q.t());
  SlqOptions o;
  o.runs = 3;
  o.steps = 10;  // capped at the dimension
  o.seed = 2;
  const SlqResult r = slq_density(dense_operator(H), o);
  ASSERT_EQ(r.nodes.sizes(), (std::vector<std::int64_t>{3, 6}));
  for (std::int64_t run = 0; run < 3; ++run) {
    const torch::Tensor v = rademacher(6, derive_seed(o.seed, "slq", static_cast<std::uint64_t>(run)));
    const torch::Tensor w = Q.t().mv(v / v.norm()).square();  // weight of each eigenvalue, ascending
    const double dn = (r.nodes[run] - lambda).abs().max().item<double>();
    const double dw = (r.weights[run] - w).abs().max().item<double>();
    EXPECT_LT(dn, 1e-8) << "run " << run << " nodes " << r.nodes[run];
    EXPECT_LT(dw, 1e-8) << "run " << run << " weights " << r.weights[run] << " want " << w;
  }
  EXPECT_EQ(r.hvps, 3 * 6);
  // Automatic sigma: 1% of the spread of the Ritz values; the grid pads 6 sigma on each side.
  EXPECT_NEAR(r.sigma, 0.01 * 8.0, 1e-8);
  EXPECT_NEAR(r.grid[0].item<double>(), -1.0 - 6 * r.sigma, 1e-8);
  EXPECT_NEAR(r.grid[-1].item<double>(), 7.0 + 6 * r.sigma, 1e-8);
  EXPECT_EQ(r.grid.numel(), o.grid_points);
  // A given sigma is used as it is.
  o.sigma = 0.3;
  EXPECT_EQ(slq_density(dense_operator(H), o).sigma, 0.3);
}

TEST(Slq, BadOptionsAreConfigErrors) {
  const LinearOperator op = dense_operator(torch::eye(3, torch::kFloat64));
  SlqOptions o;
  o.runs = 0;
  EXPECT_THROW(slq_density(op, o), ConfigError);
  o = SlqOptions{};
  o.steps = 0;
  EXPECT_THROW(slq_density(op, o), ConfigError);
  o = SlqOptions{};
  o.grid_points = 1;
  EXPECT_THROW(slq_density(op, o), ConfigError);
  o = SlqOptions{};
  o.sigma = -1;
  EXPECT_THROW(slq_density(op, o), ConfigError);
}

}  // namespace
}  // namespace curvlab
