// Tests of algorithms/scaling/scaling_fit.cpp: the McCandlish model recovered exactly (1e-9
// relative), a noisy fit against an independent least-squares solve (the 2x2 normal equations by
// Cramer's rule, and R^2 from its residuals; 1e-9 relative), the perfect-scaling line, the measured
// critical batch (a point exactly at twice perfect scaling still counts; unsorted input), and the
// notes of the fits that are not ok.
#include "algorithms/scaling/scaling_fit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace curvlab {
namespace {

constexpr double kTol = 1e-9;

TEST(ScalingFit, RecoversTheMcCandlishModelExactly) {
  // S(B) = 100 (1 + 512 / B) at B = 64 ... 2048.
  std::vector<ScalingPoint> points;
  for (double b = 64; b <= 2048; b *= 2) points.push_back({b, 100 * (1 + 512 / b)});
  const CriticalBatchFit fit = fit_critical_batch(points);
  ASSERT_TRUE(fit.ok) << fit.note;
  EXPECT_NEAR(fit.s_min, 100, kTol * 100);
  EXPECT_NEAR(fit.b_crit, 512, kTol * 512);
  EXPECT_NEAR(fit.r2, 1, kTol);
  // Anchored at 64 (S = 900), S / S_perfect = 900 (1 + 512/B)/(900 * 64 / B)... <= 2 up to B = 512 here:
  // S(512) = 200 <= 2 * 900 * 64 / 512 = 225; S(1024) = 150 > 2 * 56.25.
  EXPECT_EQ(measured_critical_batch(points), 512);
  // Perfect scaling throughout: intercept 0, no B_crit.
  const CriticalBatchFit flat = fit_critical_batch({{128, 800}, {256, 400}, {512, 200}});
  EXPECT_FALSE(flat.ok);
  EXPECT_NE(flat.note.find("S_min <= 0"), std::string::npos);
  EXPECT_FALSE(fit_critical_batch({{128, 800}, {256, INFINITY}}).ok);
  EXPECT_EQ(measured_critical_batch({{128, INFINITY}, {256, 400}, {512, 200}, {1024, INFINITY}}), 512);
  EXPECT_TRUE(std::isnan(measured_critical_batch({{128, INFINITY}})));
}

TEST(ScalingFit, NoisyPointsMatchTheNormalEquations) {
  const std::vector<ScalingPoint> points = {{64, 930}, {128, 480}, {256, 330}, {512, 190}, {1024, 160}};
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& p : points) {
    const double x = 1.0 / p.batch_size;
    n += 1, sx += x, sy += p.steps, sxx += x * x, sxy += x * p.steps;
  }
  const double det = n * sxx - sx * sx;
  const double a = (sy * sxx - sx * sxy) / det, b = (n * sxy - sx * sy) / det;
  double ss_res = 0, ss_tot = 0;
  for (const auto& p : points) {
    ss_res += std::pow(p.steps - (a + b / p.batch_size), 2);
    ss_tot += std::pow(p.steps - sy / n, 2);
  }
  const CriticalBatchFit fit = fit_critical_batch(points);
  ASSERT_TRUE(fit.ok) << fit.note;
  EXPECT_EQ(fit.points, 5);
  EXPECT_NEAR(fit.s_min, a, kTol * std::fabs(a)) << "max diff " << std::fabs(fit.s_min - a);
  EXPECT_NEAR(fit.slope, b, kTol * std::fabs(b));
  EXPECT_NEAR(fit.b_crit, b / a, kTol * std::fabs(b / a));
  EXPECT_NEAR(fit.r2, 1 - ss_res / ss_tot, kTol);
  EXPECT_LT(fit.r2, 1.0);
  EXPECT_TRUE(fit.note.empty());
}

TEST(ScalingFit, NotesWhenTheFitIsNotOk) {
  const CriticalBatchFit one = fit_critical_batch({{128, 800}});
  EXPECT_FALSE(one.ok);
  EXPECT_NE(one.note.find("2 or more batch sizes"), std::string::npos) << one.note;
  EXPECT_TRUE(std::isnan(one.b_crit));
  const CriticalBatchFit rising = fit_critical_batch({{128, 100}, {256, 150}, {512, 200}});  // steps grow with B
  EXPECT_FALSE(rising.ok);
  EXPECT_NE(rising.note.find("slope <= 0"), std::string::npos) << rising.note;
  const CriticalBatchFit none = fit_critical_batch({});
  EXPECT_FALSE(none.ok);
  EXPECT_EQ(none.points, 0);
}

TEST(ScalingFit, PerfectScalingAndTheCriticalBatchBoundary) {
  EXPECT_EQ(perfect_scaling_steps(128, 800, 512), 200);
  EXPECT_EQ(perfect_scaling_steps(100, 30, 400), 7.5);
  // Anchor 100 at 400 steps: 200 needs <= 2 x 200 (400 counts), 400 needs <= 2 x 100 (250 does not).
  EXPECT_EQ(measured_critical_batch({{400, 250}, {100, 400}, {200, 400}}), 200);  // any input order
  EXPECT_EQ(measured_critical_batch({{100, 400}, {200, 400.0000001}}), 100);
  // A gap (no setting reached the target) ends the range even if a larger batch reaches it again.
  EXPECT_EQ(measured_critical_batch({{100, 400}, {200, INFINITY}, {400, 100}}), 100);
  EXPECT_EQ(kCriticalFactor, 2.0);
}

}  // namespace
}  // namespace curvlab
