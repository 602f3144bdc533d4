// Perturbation propagation (algorithms/jacobian/propagation.cpp) against closed forms, float64:
// through linear maps the growth and linear growth are ||A2 A1 d|| / ||d|| and the gap is 0
// (1e-12); the projection on given orthonormal vectors is ||V^T e|| / ||e||; through tanh maps the
// linearity gap shrinks in proportion to ||d|| (halving d roughly halves the gap).
#include "algorithms/jacobian/propagation.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace curvlab {
namespace {

TEST(Propagation, LinearMapsAreTheirLinearisation) {
  torch::manual_seed(4);
  const torch::Tensor a1 = torch::randn({6, 5}, torch::kFloat64), a2 = torch::randn({4, 6}, torch::kFloat64);
  const std::vector<ImageMap> maps = {[&](const torch::Tensor& x) { return x.matmul(a1.t()); },
                                      [&](const torch::Tensor& x) { return x.matmul(a2.t()); }};
  const torch::Tensor x = torch::randn({3, 5}, torch::kFloat64), d = torch::randn({3, 5}, torch::kFloat64);
  Trajectory tr(maps, x);
  // Vectors for map 1 (input dimension 6): the first two basis vectors.
  const torch::Tensor v = torch::eye(6, torch::kFloat64).slice(0, 0, 2).unsqueeze(0).expand({3, 2, 6}).contiguous();
  const Propagation p = propagate(tr, d, {torch::Tensor(), v});
  const torch::Tensor dn = d.norm(2, {1});
  const torch::Tensor e1 = d.matmul(a1.t()), e2 = e1.matmul(a2.t());
  EXPECT_LE((p.growth.select(1, 0) - e1.norm(2, {1}) / dn).abs().max().item<double>(), 1e-12);
  EXPECT_LE((p.growth.select(1, 1) - e2.norm(2, {1}) / dn).abs().max().item<double>(), 1e-12);
  EXPECT_LE((p.linear_growth - p.growth).abs().max().item<double>(), 1e-12);
  EXPECT_LE(p.gap.abs().max().item<double>(), 1e-12);
  EXPECT_TRUE(std::isnan(p.projection[0][0].item<double>()));
  const torch::Tensor want = e1.slice(1, 0, 2).norm(2, {1}) / e1.norm(2, {1});
  EXPECT_LE((p.projection.select(1, 1) - want).abs().max().item<double>(), 1e-12);
}

TEST(Propagation, TheLinearityGapShrinksWithThePerturbation) {
  torch::manual_seed(5);
  const torch::Tensor a1 = torch::randn({8, 8}, torch::kFloat64), a2 = torch::randn({8, 8}, torch::kFloat64);
  const std::vector<ImageMap> maps = {[&](const torch::Tensor& x) { return torch::tanh(x.matmul(a1.t())); },
                                      [&](const torch::Tensor& x) { return torch::tanh(x.matmul(a2.t())); }};
  const torch::Tensor x = torch::randn({2, 8}, torch::kFloat64) * 0.3;
  torch::Tensor d = torch::randn({2, 8}, torch::kFloat64);
  d = d / d.norm(2, {1}, true);
  Trajectory tr(maps, x);
  const Propagation small = propagate(tr, d * 1e-3, {}), half = propagate(tr, d * 5e-4, {});
  const Propagation large = propagate(tr, d * 1.0, {});
  const double ratio = (small.gap / half.gap).mean().item<double>();
  EXPECT_NEAR(ratio, 2.0, 0.05) << "gap at 1e-3 over gap at 5e-4";
  EXPECT_LT(small.gap.max().item<double>(), 1e-2);
  EXPECT_GT(large.gap.max().item<double>(), 0.1);
  // Tiny perturbations: the true growth is the linear one.
  EXPECT_LE((small.growth - small.linear_growth).abs().max().item<double>(), 1e-2 * small.growth.max().item<double>());
}

}  // namespace
}  // namespace curvlab
