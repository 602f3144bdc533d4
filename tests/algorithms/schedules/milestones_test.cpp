// Tests of algorithms/schedules/milestones.h, the one milestone rule (lr, batch-size and K-FAC
// damping steps): a milestone counts from 1e-9 below it (float progress that lands just short of a
// boundary is there; 2e-9 short is not), and the result is bit for bit a loop of `value *= gamma`
// over the reached milestones in order -- not value * pow(gamma, n), which rounds differently.
#include "algorithms/schedules/milestones.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace curvlab {
namespace {

TEST(Milestones, ReachedFromOneNanoUnitBelow) {
  const std::vector<double> m = {30, 60};
  EXPECT_EQ(apply_milestones(1.0, 0.1, m, 0.0), 1.0);
  EXPECT_EQ(apply_milestones(1.0, 0.1, m, 29.99), 1.0);
  EXPECT_EQ(apply_milestones(1.0, 0.1, m, 29.999999998), 1.0);   // 2e-9 short: not yet
  EXPECT_EQ(apply_milestones(1.0, 0.1, m, 29.999999999), 0.1);   // 1e-9 short: reached
  EXPECT_EQ(apply_milestones(1.0, 0.1, m, 30.0), 0.1);
  EXPECT_EQ(apply_milestones(1.0, 0.1, m, 59.9999999995), 1.0 * 0.1 * 0.1);
  EXPECT_EQ(apply_milestones(1.0, 0.1, m, 1e9), 1.0 * 0.1 * 0.1);
  // Float progress summed step by step: ten steps of 0.1 epochs land 1.1e-16 short of epoch 1.
  double clock = 0;
  for (int i = 0; i < 10; ++i) clock += 0.1;
  ASSERT_LT(clock, 1.0);
  EXPECT_EQ(apply_milestones(2.0, 0.5, {1.0}, clock), 1.0);
  EXPECT_EQ(apply_milestones(5.0, 0.5, {}, 100.0), 5.0);  // no milestones: unchanged
}

TEST(Milestones, BitwiseEqualToALoopNotToPow) {
  // (3 * 0.3) * 0.3 = 0.26999999999999996, while 3 * 0.3^2 = 0.27 in double precision.
  double loop = 3.0;
  loop *= 0.3;
  loop *= 0.3;
  const double got = apply_milestones(3.0, 0.3, {1, 2}, 2.0);
  EXPECT_EQ(got, loop);
  EXPECT_EQ(got, 0.26999999999999996);
  EXPECT_NE(got, 3.0 * std::pow(0.3, 2));
  // Random schedules: the same bits as an independent loop over the reached milestones.
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<double> ms;
    double at = 0;
    const int n = static_cast<int>(rng() % 8);
    for (int k = 0; k < n; ++k) ms.push_back(at += 0.1 + 10 * u(rng));
    const double value = 0.01 + u(rng), gamma = 0.05 + 2 * u(rng), clock = 80 * u(rng);
    double want = value;
    for (double m : ms) {
      if (m <= clock + 1e-9) want = want * gamma;
    }
    ASSERT_EQ(apply_milestones(value, gamma, ms, clock), want) << "trial " << trial;
  }
}

}  // namespace
}  // namespace curvlab
