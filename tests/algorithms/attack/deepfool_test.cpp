// DeepFool (algorithms/attack/deepfool.cpp) on a linear softmax classifier, where the minimal L2
// and Linf perturbations to each boundary are (z_y - z_i) / ||w_y - w_i||_{2 or 1}: one step
// reaches the nearest boundary, within the overshoot (tolerance 1e-9, float64). Also: the box,
// images already misclassified, determinism.
#include "algorithms/attack/deepfool.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "algorithms/attack/linear_net.h"

namespace curvlab {
namespace {

using attack_test::boundary_distances;
using attack_test::LinearNetImpl;

TEST(DeepFool, ReachesTheNearestLinearBoundaryWithinTheOvershoot) {
  torch::manual_seed(3);
  const torch::Tensor w = torch::randn({6, 10}, torch::kFloat64), b = torch::randn({6}, torch::kFloat64);
  LinearNetImpl net(w, b);
  const torch::Tensor x = torch::rand({32, 10}, torch::kFloat64);
  const torch::Tensor y = net.forward(x).argmax(1);  // every image correctly classified
  const InputBox wide{-1e3, 1e3};
  for (const auto& [norm, dual] : {std::pair{AttackNorm::kL2, 2.0}, std::pair{AttackNorm::kLinf, 1.0}}) {
    const AttackResult r = deepfool(net, x, y, norm, wide, DeepFoolOptions{50, 0.02, 6});
    const torch::Tensor d = boundary_distances(w, b, x, y, dual);
    const auto [d_min, nearest] = d.min(1);
    const torch::Tensor size = image_norm(r.adversarial - x, norm);
    // ||delta|| = 1.02 (d + 1e-4 / ||w_y - w_l||): between d and 1.02 d + 1.02e-4 / ||dw||.
    const torch::Tensor dw = (w.index_select(0, y) - w.index_select(0, nearest)).norm(dual, {1});
    const torch::Tensor upper = 1.02 * (d_min + 1e-4 / dw);
    EXPECT_TRUE(r.success.all().item<bool>());
    EXPECT_TRUE(r.iterations.eq(1).all().item<bool>()) << r.iterations;
    EXPECT_TRUE(r.target.eq(nearest).all().item<bool>());
    const double below = (d_min - size).max().item<double>(), above = (size - upper).max().item<double>();
    EXPECT_LE(below, 1e-9) << attack_norm_names().name(norm) << ": a perturbation below the minimal distance";
    EXPECT_LE(above, 1e-9) << attack_norm_names().name(norm) << ": a perturbation beyond the overshoot";
  }
}

TEST(DeepFool, StaysInTheBoxSkipsMisclassifiedImagesAndIsDeterministic) {
  torch::manual_seed(4);
  attack_test::TanhMlpImpl net(12, 4);
  net.eval();
  const torch::Tensor x = torch::rand({20, 12}, torch::kFloat64);
  torch::Tensor y = net.forward(x).argmax(1);
  y[0] = (y[0] + 1) % 4;  // image 0 is misclassified from the start
  const InputBox box{0.0, 1.0};
  for (AttackNorm norm : {AttackNorm::kL2, AttackNorm::kLinf}) {
    const AttackResult r = deepfool(net, x, y, norm, box, DeepFoolOptions{});
    EXPECT_GE(r.adversarial.min().item<double>(), 0.0);
    EXPECT_LE(r.adversarial.max().item<double>(), 1.0);
    EXPECT_EQ(r.iterations[0].item<std::int64_t>(), 0);
    EXPECT_TRUE(r.success[0].item<bool>());
    EXPECT_TRUE(torch::equal(r.adversarial[0], x[0]));
    const AttackResult again = deepfool(net, x, y, norm, box, DeepFoolOptions{});
    EXPECT_TRUE(torch::equal(r.adversarial, again.adversarial));
    EXPECT_TRUE(torch::equal(r.iterations, again.iterations));
  }
}

}  // namespace
}  // namespace curvlab
