// The trust-region attack (algorithms/attack/trust_region.cpp) on a linear softmax classifier:
// aimed at the nearest boundary (easiest target) it reaches it with a perturbation of exactly the
// sum of its steps 1.02 (min(remaining, radius_k) + margin), radius_k = 1e-3 1.2^k (rho is 1 on a
// linear model), in L2 and Linf (float64, tolerance 1e-9), with the margin and without. On the box:
// pixels on a bound whose gradient points out are left alone and the distance is the feasible one;
// an image that cannot move stops. Also: targets, bounds.
#include "algorithms/attack/trust_region.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "base/error.h"
#include "algorithms/attack/linear_net.h"

namespace curvlab {
namespace {

using attack_test::boundary_distances;
using attack_test::LinearNetImpl;

TEST(TrustRegion, ReachesTheNearestLinearBoundaryWithinTheOvershoot) {
  torch::manual_seed(5);
  const torch::Tensor w = torch::randn({5, 8}, torch::kFloat64), b = torch::randn({5}, torch::kFloat64);
  LinearNetImpl net(w, b);
  const torch::Tensor x = torch::rand({24, 8}, torch::kFloat64);
  const torch::Tensor y = net.forward(x).argmax(1);
  for (const double margin : {0.0, 1e-4}) {
    for (const auto& [norm, dual] : {std::pair{AttackNorm::kL2, 2.0}, std::pair{AttackNorm::kLinf, 1.0}}) {
      TrustRegionOptions o;
      o.top_c = 5;
      o.margin = margin;
      const AttackResult r = trust_region(net, x, y, norm, InputBox{-1e3, 1e3}, o);
      const auto [d_min, nearest] = boundary_distances(w, b, x, y, dual).min(1);
      const torch::Tensor size = image_norm(r.adversarial - x, norm);
      const std::string where = std::string(attack_norm_names().name(norm)) + " margin " + std::to_string(margin);
      EXPECT_TRUE(r.success.all().item<bool>()) << where;
      EXPECT_TRUE(r.target.eq(nearest).all().item<bool>()) << r.target << nearest;
      EXPECT_LE((d_min - size).max().item<double>(), 1e-9) << where;
      // Steps of 1.02 (min(remaining, radius_k) + margin), radius_k = min(1e-3 * 1.2^k, radius_max),
      // along one direction: the perturbation is their sum over the first n steps that cover the
      // distance (an image on the boundary up to rounding may take one step more).
      const double r_max = trust_radius_bounds(o, norm).second;
      for (std::int64_t i = 0; i < x.size(0); ++i) {
        double covered = 0, radius = 1e-3;
        std::int64_t n = 0;
        const double d = d_min[i].item<double>();
        while (covered < d) {
          covered += 1.02 * (std::min(d - covered, radius) + margin);
          radius = std::min(radius * 1.2, r_max);
          ++n;
        }
        const std::int64_t taken = r.iterations[i].item<std::int64_t>();
        EXPECT_NEAR(static_cast<double>(taken), static_cast<double>(n), 1.0) << where << " image " << i;
        if (taken == n) EXPECT_NEAR(size[i].item<double>(), covered, 1e-9) << where << " image " << i;
        EXPECT_LE(size[i].item<double>(), 1.02 * d + 1.02 * margin * static_cast<double>(taken) + 1e-9) << where;
      }
    }
  }
}

// Two classes, z_0 = 0 and z_1 = w.x + c: the gap z_0 - z_1 falls along w. Pixels 0-3 sit on the
// lower bound with w < 0 there, pixel 4 on the upper bound with w > 0: none of them can move, and
// the feasible L2 distance is gap / ||w over pixels 5-11||.
TEST(TrustRegion, StepsAlongTheFeasibleDirectionAtTheBoxBounds) {
  torch::manual_seed(10);
  const std::int64_t d = 12;
  torch::Tensor w1 = torch::rand({d}, torch::kFloat64) + 0.5;
  w1.slice(0, 0, 4).neg_();
  LinearNetImpl net(torch::stack({torch::zeros({d}, torch::kFloat64), w1}), torch::tensor({0.0, -6.0}, torch::kFloat64));
  torch::Tensor x = torch::rand({6, d}, torch::kFloat64) * 0.3 + 0.2;
  x.slice(1, 0, 4).zero_();
  x.slice(1, 4, 5).fill_(1.0);
  const torch::Tensor y = torch::zeros({6}, torch::kInt64);
  ASSERT_TRUE(net.forward(x).argmax(1).eq(0).all().item<bool>());
  TrustRegionOptions o;
  o.top_c = 2;
  o.margin = 0;
  const AttackResult r = trust_region(net, x, y, AttackNorm::kL2, InputBox{0.0, 1.0}, o);
  EXPECT_TRUE(r.success.all().item<bool>());
  const torch::Tensor delta = r.adversarial - x;
  EXPECT_EQ(delta.slice(1, 0, 5).abs().max().item<double>(), 0.0);  // the blocked pixels did not move
  const torch::Tensor gap = -(x.matmul(w1) - 6.0);
  const torch::Tensor feasible = gap / w1.slice(0, 5, d).norm();
  const torch::Tensor size = delta.norm(2, {1});
  EXPECT_LE((feasible - size).max().item<double>(), 1e-9);
  EXPECT_LE((size - 1.02 * feasible).max().item<double>(), 1e-9);
}

TEST(TrustRegion, StopsAnImageThatCannotMoveInTheBox) {
  // Every pixel on the lower bound and the gap falls only by making them negative.
  const std::int64_t d = 5;
  LinearNetImpl net(torch::stack({torch::zeros({d}, torch::kFloat64), -torch::ones({d}, torch::kFloat64)}),
                    torch::tensor({0.0, -1.0}, torch::kFloat64));
  const torch::Tensor x = torch::zeros({2, d}, torch::kFloat64);
  const torch::Tensor y = torch::zeros({2}, torch::kInt64);
  TrustRegionOptions o;
  o.top_c = 2;
  for (AttackNorm norm : {AttackNorm::kL2, AttackNorm::kLinf}) {
    const AttackResult r = trust_region(net, x, y, norm, InputBox{0.0, 1.0}, o);
    EXPECT_FALSE(r.success.any().item<bool>());
    EXPECT_TRUE(r.iterations.eq(1).all().item<bool>()) << r.iterations;
    EXPECT_TRUE(r.adversarial.equal(x));
  }
}

TEST(TrustRegion, HardestTargetIsTheFarthestOfTheTopClasses) {
  torch::manual_seed(6);
  const torch::Tensor w = torch::randn({7, 6}, torch::kFloat64), b = torch::randn({7}, torch::kFloat64);
  LinearNetImpl net(w, b);
  const torch::Tensor x = torch::rand({16, 6}, torch::kFloat64);
  const torch::Tensor y = net.forward(x).argmax(1);
  const torch::Tensor d = boundary_distances(w, b, x, y, 2.0);
  // Among the top 4 classes by logit only.
  const torch::Tensor top = std::get<1>(net.forward(x).sort(1, true)).slice(1, 1, 4);  // [B, 3]
  const torch::Tensor far = top.gather(1, d.gather(1, top).argmax(1, true)).squeeze(1);
  EXPECT_TRUE(torch::equal(choose_targets(net, x, 4, AttackNorm::kL2, TargetChoice::kHardest), far));
  const torch::Tensor near = top.gather(1, d.gather(1, top).argmin(1, true)).squeeze(1);
  EXPECT_TRUE(torch::equal(choose_targets(net, x, 4, AttackNorm::kL2, TargetChoice::kEasiest), near));
}

TEST(TrustRegion, StaysInTheBoxAndRejectsBadOptions) {
  torch::manual_seed(7);
  attack_test::TanhMlpImpl net(12, 4);
  net.eval();
  const torch::Tensor x = torch::rand({16, 12}, torch::kFloat64);
  const torch::Tensor y = net.forward(x).argmax(1);
  TrustRegionOptions o;
  o.top_c = 4;
  const AttackResult r = trust_region(net, x, y, AttackNorm::kLinf, InputBox{0.0, 1.0}, o);
  EXPECT_GE(r.adversarial.min().item<double>(), 0.0);
  EXPECT_LE(r.adversarial.max().item<double>(), 1.0);
  EXPECT_TRUE(torch::equal(r.adversarial, trust_region(net, x, y, AttackNorm::kLinf, InputBox{0.0, 1.0}, o).adversarial));
  o.radius_min = 0.1;
  o.radius_max = 0.01;
  EXPECT_THROW(trust_region(net, x, y, AttackNorm::kL2, InputBox{}, o), ConfigError);
}

// A two-class model whose logit gap is exactly quadratic in the input: z_0 = 0,
// z_1 = c + w.x - x'Px/2 (P positive definite), so along any direction the gap z_0 - z_1 curves up.
struct QuadraticGapNetImpl : NetImpl {
  torch::Tensor w, p;
  double c;
  QuadraticGapNetImpl(torch::Tensor w_, torch::Tensor p_, double c_) : w(std::move(w_)), p(std::move(p_)), c(c_) {}
  torch::Tensor forward(torch::Tensor x) override {
    const torch::Tensor f = x.flatten(1);
    const torch::Tensor z1 = c + f.matmul(w) - 0.5 * (f.matmul(p) * f).sum(1);
    return torch::stack({torch::zeros_like(z1), z1}, 1);
  }
};

TEST(TrustRegion2, TakesTheFirstOrderStepsOnAPiecewiseLinearModel) {
  torch::manual_seed(8);
  const torch::Tensor w = torch::randn({5, 8}, torch::kFloat64), b = torch::randn({5}, torch::kFloat64);
  LinearNetImpl net(w, b);
  const torch::Tensor x = torch::rand({12, 8}, torch::kFloat64);
  const torch::Tensor y = net.forward(x).argmax(1);
  for (AttackNorm norm : {AttackNorm::kL2, AttackNorm::kLinf}) {
    TrustRegionOptions o;
    o.top_c = 5;
    const AttackResult r1 = trust_region(net, x, y, norm, InputBox{-1e3, 1e3}, o);
    const AttackResult r2 = trust_region2(net, x, y, norm, InputBox{-1e3, 1e3}, o);
    EXPECT_TRUE(r1.adversarial.equal(r2.adversarial));
    EXPECT_TRUE(r1.iterations.equal(r2.iterations));
  }
}

TEST(TrustRegion2, LandsOnAQuadraticBoundaryInOneStepWhereFirstOrderNeedsMore) {
  torch::manual_seed(9);
  const std::int64_t d = 6;
  const torch::Tensor m = torch::randn({d, d}, torch::kFloat64);
  const torch::Tensor p = m.matmul(m.t()) / d + torch::eye(d, torch::kFloat64);
  QuadraticGapNetImpl net(torch::randn({d}, torch::kFloat64) * 3, p, -2.0);
  const torch::Tensor x = torch::rand({10, d}, torch::kFloat64) * 0.2;
  const torch::Tensor y = torch::zeros({10}, torch::kInt64);
  ASSERT_TRUE(net.forward(x).argmax(1).eq(0).all().item<bool>());
  TrustRegionOptions o;
  o.top_c = 2;
  o.radius = 10;  // the radius never binds: the step is the model's own
  o.radius_max = 10;
  o.overshoot = 1.0 + 1e-6;
  o.margin = 0;
  const AttackResult r2 = trust_region2(net, x, y, AttackNorm::kL2, InputBox{-1e3, 1e3}, o);
  const AttackResult r1 = trust_region(net, x, y, AttackNorm::kL2, InputBox{-1e3, 1e3}, o);
  EXPECT_TRUE(r2.success.all().item<bool>());
  EXPECT_TRUE(r2.iterations.eq(1).all().item<bool>()) << r2.iterations;
  // The exact root along u = g/|g|: the new gap is 0 up to the 1e-6 overshoot.
  const torch::Tensor z = net.forward(r2.adversarial);
  EXPECT_LE((z.select(1, 1) - z.select(1, 0)).abs().max().item<double>(), 1e-4);
  EXPECT_TRUE(r1.success.all().item<bool>());
  EXPECT_TRUE(r1.iterations.gt(1).all().item<bool>()) << r1.iterations;
}

}  // namespace
}  // namespace curvlab
