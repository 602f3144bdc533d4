// Norms, unit steps, names and target choice (algorithms/attack/attack_math.cpp) against direct
// formulas (exact, float64); the attacks leave the model's parameters as they found them.
#include "algorithms/attack/attack_math.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "algorithms/attack/carlini_wagner.h"
#include "algorithms/attack/linear_net.h"
#include "algorithms/attack/trust_region.h"

namespace curvlab {
namespace {

TEST(AttackMath, NormsAndUnitSteps) {
  const torch::Tensor g = torch::tensor({3.0, -4.0, 0.0, 0.0, 0.0, 0.0}, torch::kFloat64).view({2, 3});
  EXPECT_TRUE(torch::equal(image_norm(g, AttackNorm::kL2), torch::tensor({5.0, 0.0}, torch::kFloat64)));
  EXPECT_TRUE(torch::equal(image_norm(g, AttackNorm::kLinf), torch::tensor({4.0, 0.0}, torch::kFloat64)));
  EXPECT_TRUE(torch::equal(dual_norm(g, AttackNorm::kLinf), torch::tensor({7.0, 0.0}, torch::kFloat64)));
  EXPECT_TRUE(torch::allclose(unit_step(g, AttackNorm::kL2)[0], torch::tensor({0.6, -0.8, 0.0}, torch::kFloat64)));
  EXPECT_TRUE(torch::equal(unit_step(g, AttackNorm::kL2)[1], torch::zeros({3}, torch::kFloat64)));  // no NaN
  EXPECT_TRUE(torch::equal(unit_step(g, AttackNorm::kLinf)[0], torch::tensor({1.0, -1.0, 0.0}, torch::kFloat64)));
  EXPECT_EQ(attack_norm_names().names(), (std::vector<std::string>{"l2", "linf"}));
  EXPECT_EQ(target_choice_names().names(), (std::vector<std::string>{"easiest", "hardest"}));
}

TEST(AttackMath, TargetsNeedTwoClasses) {
  attack_test::TanhMlpImpl net(4, 3);
  EXPECT_THROW(choose_targets(net, torch::rand({2, 4}, torch::kFloat64), 1, AttackNorm::kL2, TargetChoice::kEasiest),
               ConfigError);
}

// Inside an attack no parameter requires grad (nothing is accumulated into .grad); after it each
// flag is what it was, also when the attack throws.
TEST(AttackMath, AttacksFreezeTheParametersAndRestoreThem) {
  torch::manual_seed(11);
  attack_test::TanhMlpImpl net(6, 3);
  net.fc2->bias.requires_grad_(false);
  const torch::Tensor x = torch::rand({8, 6}, torch::kFloat64);
  const torch::Tensor y = net.forward(x).argmax(1);
  {
    const FrozenParameters frozen(net);
    for (const torch::Tensor& p : net.parameters()) EXPECT_FALSE(p.requires_grad());
  }
  CwOptions cw;
  cw.binary_steps = 2;
  cw.max_iter = 5;
  carlini_wagner_l2(net, x, y, InputBox{}, cw);
  TrustRegionOptions tr;
  tr.top_c = 3;
  tr.max_iter = 5;
  trust_region(net, x, y, AttackNorm::kL2, InputBox{}, tr);
  cw.lr = -1;  // checked after the freeze
  EXPECT_THROW(carlini_wagner_l2(net, x, y, InputBox{}, cw), ConfigError);
  for (const auto& item : net.named_parameters()) {
    EXPECT_EQ(item.value().requires_grad(), item.key() != "fc2.bias") << item.key();
    EXPECT_FALSE(item.value().grad().defined()) << item.key();
  }
}

}  // namespace
}  // namespace curvlab
