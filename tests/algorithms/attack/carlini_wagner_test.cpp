// Carlini-Wagner L2 (algorithms/attack/carlini_wagner.cpp) on a linear softmax classifier: the
// distance to the boundary with class i is (z_y - z_i) / ||w_y - w_i||_2 (closed form). CW's
// perturbation is never below the smallest of them; untargeted CW pushes against the runner-up logit
// max_{i != y} z_i, so it ends within 4% of the distance to the runner-up's boundary (measured: at
// most 2.8% above), and on the images whose nearest boundary is the runner-up's (14 of these 16)
// the median is within 0.5% of the minimal distance. Also: the box, misclassified images, bad options.
#include "algorithms/attack/carlini_wagner.h"

#include <gtest/gtest.h>

#include "algorithms/attack/linear_net.h"
#include "base/error.h"

namespace curvlab {
namespace {

using attack_test::boundary_distances;
using attack_test::LinearNetImpl;

TEST(CarliniWagner, ReachesTheRunnerUpBoundaryOfALinearClassifier) {
  torch::manual_seed(5);
  const torch::Tensor w = torch::randn({4, 12}, torch::kFloat64) * 4, b = torch::randn({4}, torch::kFloat64) * 0.3;
  LinearNetImpl net(w, b);
  const torch::Tensor x = torch::rand({16, 12}, torch::kFloat64) * 0.6 + 0.2;  // away from the box's faces
  const torch::Tensor y = net.forward(x).argmax(1);
  const AttackResult r = carlini_wagner_l2(net, x, y, InputBox{0.0, 1.0}, CwOptions{});
  const torch::Tensor d = boundary_distances(w, b, x, y, 2.0);
  const torch::Tensor d_min = std::get<0>(d.min(1));
  const torch::Tensor runner_up = net.forward(x).scatter(1, y.view({-1, 1}), -1e30).argmax(1);
  const torch::Tensor d_runner_up = d.gather(1, runner_up.view({-1, 1})).squeeze(1);
  const torch::Tensor size = image_norm(r.adversarial - x, AttackNorm::kL2);
  EXPECT_TRUE(r.success.all().item<bool>());
  EXPECT_TRUE(r.target.eq(-1).all().item<bool>());
  EXPECT_TRUE(r.iterations.gt(0).all().item<bool>());
  EXPECT_GE((size - d_min).min().item<double>(), -1e-9) << "a perturbation below the minimal distance";
  const double worst = (size / d_runner_up).max().item<double>();
  EXPECT_LE(worst, 1.04) << "CW's L2 perturbation is " << worst << " times the runner-up's distance";
  const torch::Tensor nearest_is_runner_up = d_runner_up.eq(d_min);
  EXPECT_GE(nearest_is_runner_up.sum().item<std::int64_t>(), 10);
  const double median = (size / d_min).masked_select(nearest_is_runner_up).median().item<double>();
  EXPECT_LE(median, 1.005) << "median ratio to the minimal distance";
  EXPECT_GE(r.adversarial.min().item<double>(), 0.0);
  EXPECT_LE(r.adversarial.max().item<double>(), 1.0);
}

TEST(CarliniWagner, LeavesMisclassifiedImagesAndRejectsBadOptions) {
  torch::manual_seed(6);
  const torch::Tensor w = torch::randn({3, 5}, torch::kFloat64), b = torch::zeros({3}, torch::kFloat64);
  LinearNetImpl net(w, b);
  const torch::Tensor x = torch::rand({6, 5}, torch::kFloat64);
  const torch::Tensor wrong = (net.forward(x).argmax(1) + 1) % 3;
  CwOptions quick;
  quick.max_iter = 20;
  quick.binary_steps = 2;
  const AttackResult r = carlini_wagner_l2(net, x, wrong, InputBox{0.0, 1.0}, quick);
  EXPECT_TRUE(r.success.all().item<bool>());
  EXPECT_TRUE(r.iterations.eq(0).all().item<bool>());
  EXPECT_TRUE(r.adversarial.equal(x));
  CwOptions bad;
  bad.lr = 0;
  EXPECT_THROW(carlini_wagner_l2(net, x, wrong, InputBox{0.0, 1.0}, bad), ConfigError);
  EXPECT_THROW(carlini_wagner_l2(net, x, wrong, InputBox{1.0, 1.0}, quick), ConfigError);
}

}  // namespace
}  // namespace curvlab
