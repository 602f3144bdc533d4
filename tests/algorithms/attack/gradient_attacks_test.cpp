// FGSM, iterative FGSM and PGD (algorithms/attack/gradient_attacks.cpp) against closed forms on a
// linear softmax classifier (float64): FGSM equals clamp(x + eps sign(W^T (softmax(z) - e_y)))
// within 1e-12; on two classes each IFGSM Linf step lowers the gap by step * ||w_y - w_k||_1, so
// the flip comes at floor(gap / that) + 1 steps; PGD Linf flips exactly the images whose distance
// f / ||dw||_1 is below eps. Also: ball and box, and an image's PGD draw independent of its batch.
#include "algorithms/attack/gradient_attacks.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/error.h"
#include "algorithms/attack/linear_net.h"

namespace curvlab {
namespace {

using attack_test::LinearNetImpl;

TEST(Fgsm, EqualsTheSignedGradientFormula) {
  torch::manual_seed(8);
  const torch::Tensor w = torch::randn({4, 9}, torch::kFloat64), b = torch::randn({4}, torch::kFloat64);
  LinearNetImpl net(w, b);
  const torch::Tensor x = torch::rand({10, 9}, torch::kFloat64);
  const torch::Tensor y = torch::randint(0, 4, {10}, torch::kInt64);
  const torch::Tensor p = torch::softmax(x.matmul(w.t()) + b, 1);
  const torch::Tensor g = (p - torch::one_hot(y, 4).to(torch::kFloat64)).matmul(w);  // d CE / dx, [B, D]
  const std::vector<torch::Tensor> adv = fgsm(net, x, y, {0.05, 0.3}, AttackNorm::kLinf, InputBox{0.0, 1.0});
  ASSERT_EQ(adv.size(), 2u);
  const double diff = (adv[1] - (x + 0.3 * g.sign()).clamp(0.0, 1.0)).abs().max().item<double>();
  EXPECT_LE(diff, 1e-12) << "max |fgsm - formula| = " << diff;
  const std::vector<torch::Tensor> l2 = fgsm(net, x, y, {0.5}, AttackNorm::kL2, InputBox{-1e3, 1e3});
  const torch::Tensor expected = x + 0.5 * g / g.norm(2, {1}, true);
  EXPECT_LE((l2[0] - expected).abs().max().item<double>(), 1e-12);
  EXPECT_THROW(fgsm(net, x, y, {0.0}, AttackNorm::kL2, InputBox{}), ConfigError);
}

TEST(Ifgsm, FlipsAfterTheStepsTheGapNeeds) {
  torch::manual_seed(9);
  const torch::Tensor w = torch::randn({2, 7}, torch::kFloat64), b = torch::randn({2}, torch::kFloat64);
  LinearNetImpl net(w, b);
  const torch::Tensor x = torch::rand({12, 7}, torch::kFloat64);
  const torch::Tensor z = net.forward(x);
  const torch::Tensor y = z.argmax(1);
  const double step = 0.01;
  const AttackResult r = ifgsm(net, x, y, AttackNorm::kLinf, InputBox{-1e3, 1e3}, IfgsmOptions{step, 10000});
  const double dw1 = (w[0] - w[1]).abs().sum().item<double>();
  for (std::int64_t i = 0; i < 12; ++i) {
    const double gap = (z[i].max() - z[i].min()).item<double>();
    const std::int64_t steps = static_cast<std::int64_t>(std::floor(gap / (step * dw1))) + 1;
    EXPECT_EQ(r.iterations[i].item<std::int64_t>(), steps) << "image " << i;
    EXPECT_NEAR(image_norm(r.adversarial - x, AttackNorm::kLinf)[i].item<double>(), steps * step, 1e-12);
  }
  EXPECT_TRUE(r.success.all().item<bool>());
  EXPECT_TRUE(r.target.eq(-1).all().item<bool>());
}

TEST(Pgd, FlipsExactlyTheImagesWithinEpsOfTheBoundary) {
  torch::manual_seed(10);
  const torch::Tensor w = torch::randn({2, 6}, torch::kFloat64), b = torch::randn({2}, torch::kFloat64);
  LinearNetImpl net(w, b);
  const torch::Tensor x = torch::rand({40, 6}, torch::kFloat64);
  const torch::Tensor z = net.forward(x);
  const torch::Tensor y = z.argmax(1);
  const torch::Tensor dist = (z.amax(1) - z.amin(1)) / (w[0] - w[1]).abs().sum();  // Linf distance [B]
  const double eps = dist.median().item<double>() * 1.01;
  const torch::Tensor index = torch::arange(40, torch::kInt64);
  const torch::Tensor adv = pgd(net, x, y, eps, AttackNorm::kLinf, InputBox{-1e3, 1e3}, PgdOptions{}, 1, index);
  const torch::Tensor flipped = net.forward(adv).argmax(1).ne(y);
  // Images within 1% of the eps boundary could go either way; the test keeps away from them.
  const torch::Tensor clear = (dist - eps).abs() > 0.01 * eps;
  EXPECT_TRUE(torch::equal(flipped.masked_select(clear), dist.lt(eps).masked_select(clear)));
  EXPECT_LE(image_norm(adv - x, AttackNorm::kLinf).max().item<double>(), eps + 1e-12);
}

TEST(Pgd, StaysInBallAndBoxAndAnImagesDrawIgnoresItsBatch) {
  torch::manual_seed(11);
  attack_test::TanhMlpImpl net(12, 3);
  net.eval();
  const torch::Tensor x = torch::rand({8, 12}, torch::kFloat64);
  const torch::Tensor y = net.forward(x).argmax(1);
  const torch::Tensor index = torch::arange(100, 108, torch::kInt64);
  for (AttackNorm norm : {AttackNorm::kL2, AttackNorm::kLinf}) {
    const double eps = norm == AttackNorm::kL2 ? 0.8 : 0.1;
    const torch::Tensor adv = pgd(net, x, y, eps, norm, InputBox{0.0, 1.0}, PgdOptions{}, 7, index);
    EXPECT_LE(image_norm(adv - x, norm).max().item<double>(), eps * (1 + 1e-12));
    EXPECT_GE(adv.min().item<double>(), 0.0);
    EXPECT_LE(adv.max().item<double>(), 1.0);
    const torch::Tensor alone = pgd(net, x.slice(0, 3, 4), y.slice(0, 3, 4), eps, norm, InputBox{0.0, 1.0},
                                    PgdOptions{}, 7, index.slice(0, 3, 4));
    EXPECT_TRUE(torch::allclose(alone[0], adv[3], 0, 1e-12)) << "image 3 attacked alone differs from in its batch";
  }
}

}  // namespace
}  // namespace curvlab
