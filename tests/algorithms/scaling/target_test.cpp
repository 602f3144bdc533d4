// Tests of algorithms/scaling/target.cpp: parsing --target (the allowed metrics, bad values), which
// direction is better, meeting a target (never with NaN or inf), the first evaluation that meets it
// and the non-finite check of a curve.
#include "algorithms/scaling/target.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "base/error.h"

namespace curvlab {
namespace {

TEST(ScalingTarget, FirstReachHigherAndLowerIsBetter) {
  const std::vector<EvalPoint> acc = {{10, 0.1, 1, 0.5}, {20, 0.2, 2, NAN}, {30, 0.3, 3, 0.88}, {40, 0.4, 4, 0.9}};
  const Reach r = first_reach(acc, parse_target("test_accuracy=0.88"));
  EXPECT_TRUE(r.reached);
  EXPECT_EQ(r.step, 30);
  EXPECT_EQ(r.epoch, 0.3);
  EXPECT_EQ(r.wall_time, 3);
  const std::vector<EvalPoint> loss = {{10, 0, 0, 2.0}, {20, 0, 0, INFINITY}, {30, 0, 0, 0.31}, {40, 0, 0, 0.3}};
  EXPECT_EQ(first_reach(loss, parse_target("train_loss=0.3")).step, 40);
  EXPECT_FALSE(first_reach(loss, parse_target("test_loss=0.1")).reached);
  EXPECT_TRUE(std::isinf(first_reach(loss, parse_target("test_loss=0.1")).step));
  EXPECT_THROW(parse_target("accuracy=0.9"), ConfigError);
  EXPECT_THROW(parse_target("test_accuracy"), ConfigError);
  EXPECT_THROW(parse_target("test_accuracy=high"), ConfigError);
  EXPECT_THROW(parse_target("test_accuracy=nan"), ConfigError);
}

TEST(ScalingTarget, ParseDescribeAndDirection) {
  EXPECT_EQ(target_metrics(), (std::vector<std::string>{"test_accuracy", "test_loss", "train_loss"}));
  const Target acc = parse_target("test_accuracy=0.88");
  EXPECT_EQ(acc.metric, "test_accuracy");
  EXPECT_EQ(acc.value, 0.88);
  EXPECT_TRUE(acc.set());
  EXPECT_EQ(acc.describe(), "test_accuracy >= 0.88");
  EXPECT_EQ(parse_target("train_loss=2.5e-1").describe(), "train_loss <= 0.25");
  EXPECT_TRUE(higher_is_better("test_accuracy"));
  EXPECT_FALSE(higher_is_better("test_loss"));
  EXPECT_FALSE(Target{}.set());
  EXPECT_EQ(Target{}.describe(), "(no target)");
  try {
    parse_target("accuracy=0.9");
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    for (const char* m : {"'accuracy'", "test_accuracy", "test_loss", "train_loss"}) {
      EXPECT_NE(what.find(m), std::string::npos) << m << " missing in: " << what;
    }
  }
  EXPECT_THROW(parse_target("test_loss="), ConfigError);
  EXPECT_THROW(parse_target("test_loss=0.5x"), ConfigError);
  EXPECT_THROW(parse_target("test_loss=inf"), ConfigError);
}

TEST(ScalingTarget, MeetsIsInclusiveAndNeverForNonFiniteValues) {
  const Target acc = parse_target("test_accuracy=0.8"), loss = parse_target("test_loss=0.3");
  EXPECT_TRUE(meets_target(0.8, acc));
  EXPECT_TRUE(meets_target(0.95, acc));
  EXPECT_FALSE(meets_target(0.7999, acc));
  EXPECT_TRUE(meets_target(0.3, loss));
  EXPECT_TRUE(meets_target(0.1, loss));
  EXPECT_FALSE(meets_target(0.31, loss));
  EXPECT_FALSE(meets_target(NAN, acc));
  EXPECT_FALSE(meets_target(INFINITY, acc));
  EXPECT_FALSE(meets_target(-INFINITY, loss));  // a loss of -inf is a diverged run, not a success
  EXPECT_FALSE(meets_target(0.9, Target{}));
  EXPECT_FALSE(first_reach({{10, 1, 1, 0.9}}, Target{}).reached);
}

TEST(ScalingTarget, NonFiniteCurves) {
  EXPECT_FALSE(has_non_finite({}));
  EXPECT_FALSE(has_non_finite({{10, 0, 0, 0.5}, {20, 0, 0, 0.6}}));
  EXPECT_TRUE(has_non_finite({{10, 0, 0, 0.5}, {20, 0, 0, NAN}}));
  EXPECT_TRUE(has_non_finite({{10, 0, 0, -INFINITY}}));
  const Reach none = first_reach({}, parse_target("test_accuracy=0.5"));
  EXPECT_FALSE(none.reached);
  EXPECT_TRUE(std::isinf(none.epoch) && std::isinf(none.wall_time));
}

}  // namespace
}  // namespace curvlab
