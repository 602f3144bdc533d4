// Norms, unit steps, names and target choice (algorithms/attack/attack_math.cpp) against direct
// formulas (exact, float64).
#include "algorithms/attack/attack_math.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "algorithms/attack/linear_net.h"

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

}  // namespace
}  // namespace curvlab
