// Tests of algorithms/schedules/lr_schedule.cpp, every value worked out by hand from the formulas
// in lr_schedule.h: linear warmup, constant, step (milestones, including one reached 1e-9 early)
// and cosine (with and without warmup, clamped after the end); the scaling rules (none, linear,
// sqrt) and their range check; Goyal et al.'s warmup from the reference lr; the coupled lr of a
// batch schedule; step_every (torch's StepLR, = the milestones written out, bitwise) and the
// weight-decay schedule (weight_decay_gamma at the same steps). Tolerance 1e-12 (a few ulps of the
// formulas' arithmetic) where not bitwise.
#include "algorithms/schedules/lr_schedule.h"

#include <gtest/gtest.h>

#include <cmath>

#include "base/error.h"

using namespace curvlab;

TEST(LrScaling, LinearAndSqrtRules) {
  EXPECT_DOUBLE_EQ(lr_scale_factor(LrScaling::kNone, 1024, 128), 1.0);
  EXPECT_DOUBLE_EQ(lr_scale_factor(LrScaling::kLinear, 1024, 128), 8.0);
  EXPECT_DOUBLE_EQ(lr_scale_factor(LrScaling::kSqrt, 512, 128), 2.0);
  EXPECT_DOUBLE_EQ(lr_scale_factor(LrScaling::kLinear, 64, 128), 0.5);
}

TEST(LrScaling, GoyalWarmupStartsAtTheReferenceLr) {
  LrPlan t;
  t.lr = 0.1;
  t.base_batch = 1024;
  t.reference_batch = 256;
  t.scaling = LrScaling::kLinear;
  t.schedule.warmup_epochs = 5;
  // peak 0.4; warmup from 0.1 to 0.4 over 5 epochs
  EXPECT_NEAR(lr_at_step(t, 0.0, 90, 1024), 0.1, 1e-12);
  EXPECT_NEAR(lr_at_step(t, 2.5, 90, 1024), 0.25, 1e-12);
  EXPECT_NEAR(lr_at_step(t, 5.0, 90, 1024), 0.4, 1e-12);
  EXPECT_NEAR(lr_at_step(t, 50, 90, 1024), 0.4, 1e-12);
  t.schedule.kind = LrScheduleKind::kStep;
  t.schedule.milestones = {30};
  EXPECT_NEAR(lr_at_step(t, 31, 90, 1024), 0.04, 1e-12);
}

TEST(LrScaling, CoupledLrFollowsTheCurrentBatch) {
  LrPlan t;
  t.lr = 0.05;
  t.base_batch = 128;
  t.scaling = LrScaling::kSqrt;
  t.couple_lr = true;
  EXPECT_NEAR(lr_at_step(t, 1.0, 10, 512), 0.1, 1e-12);   // sqrt(512 / 128) = 2
  t.couple_lr = false;
  EXPECT_NEAR(lr_at_step(t, 1.0, 10, 512), 0.05, 1e-12);  // the lr keeps its own schedule
}

TEST(LrSchedule, LinearWarmupThenConstant) {
  LrScheduleOptions s;
  s.warmup_epochs = 2;
  s.warmup_start_factor = 0.1;
  EXPECT_NEAR(lr_at(s, 1.0, 0.0, 10), 0.1, 1e-12);
  EXPECT_NEAR(lr_at(s, 1.0, 1.0, 10), 0.55, 1e-12);   // 0.1 + 0.9 * 1/2
  EXPECT_NEAR(lr_at(s, 1.0, 1.5, 10), 0.775, 1e-12);  // 0.1 + 0.9 * 3/4
  EXPECT_EQ(lr_at(s, 1.0, 2.0, 10), 1.0);
  EXPECT_EQ(lr_at(s, 1.0, 9.0, 10), 1.0);
  s.warmup_epochs = 0;
  EXPECT_EQ(lr_at(s, 0.3, 0.0, 10), 0.3);  // no warmup: the base lr from the start
}

TEST(LrSchedule, StepMultipliesByGammaAtEachMilestone) {
  LrScheduleOptions s;
  s.kind = LrScheduleKind::kStep;
  s.milestones = {30, 60};
  s.gamma = 0.1;
  EXPECT_EQ(lr_at(s, 1.0, 29.9, 90), 1.0);
  EXPECT_EQ(lr_at(s, 1.0, 29.999999999, 90), 0.1);  // within 1e-9 of the milestone
  EXPECT_EQ(lr_at(s, 1.0, 30.0, 90), 0.1);
  EXPECT_EQ(lr_at(s, 1.0, 60.0, 90), 1.0 * 0.1 * 0.1);
  // Warmup first, then the steps.
  s.warmup_epochs = 5;
  EXPECT_NEAR(lr_at(s, 1.0, 2.5, 90), 0.5, 1e-12);
  EXPECT_EQ(lr_at(s, 1.0, 31.0, 90), 0.1);
}

TEST(LrSchedule, CosineFromTheBaseToTheMinimumAfterWarmup) {
  LrScheduleOptions s;
  s.kind = LrScheduleKind::kCosine;
  s.min_lr = 0.1;
  EXPECT_NEAR(lr_at(s, 1.0, 0.0, 10), 1.0, 1e-12);
  EXPECT_NEAR(lr_at(s, 1.0, 2.5, 10), 0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI / 4)), 1e-12);
  EXPECT_NEAR(lr_at(s, 1.0, 5.0, 10), 0.55, 1e-12);
  EXPECT_NEAR(lr_at(s, 1.0, 10.0, 10), 0.1, 1e-12);
  EXPECT_NEAR(lr_at(s, 1.0, 12.0, 10), 0.1, 1e-12);  // past the end: stays at the minimum
  s.warmup_epochs = 2;
  EXPECT_NEAR(lr_at(s, 1.0, 6.0, 10), 0.55, 1e-12);  // t = (6 - 2) / (10 - 2) = 1/2
  EXPECT_NEAR(lr_at(s, 1.0, 2.0, 10), 1.0, 1e-12);
  EXPECT_EQ(lr_at(s, 1.0, 3.0, 2), 1.0);  // no epochs after warmup: the base lr
}

TEST(LrSchedule, NamesAndRangeChecks) {
  EXPECT_EQ(lr_schedule_names().names(), (std::vector<std::string>{"constant", "step", "cosine"}));
  EXPECT_EQ(lr_scaling_names().names(), (std::vector<std::string>{"none", "linear", "sqrt"}));
  EXPECT_THROW(lr_scale_factor(LrScaling::kLinear, 0, 128), ConfigError);
  EXPECT_THROW(lr_scale_factor(LrScaling::kNone, 128, 0), ConfigError);
  // Without a scaling rule the warmup starts at warmup_start_factor x lr, as configured.
  LrPlan t;
  t.lr = 0.2;
  t.base_batch = 512;
  t.schedule.warmup_epochs = 4;
  t.schedule.warmup_start_factor = 0.25;
  EXPECT_NEAR(lr_at_step(t, 0.0, 10, 512), 0.05, 1e-12);
  EXPECT_NEAR(lr_at_step(t, 4.0, 10, 512), 0.2, 1e-12);
  // reference_batch 0 means base_batch: linear scaling is then a factor of 1.
  t.scaling = LrScaling::kLinear;
  EXPECT_NEAR(lr_at_step(t, 4.0, 10, 512), 0.2, 1e-12);
}

// step_every = N is milestones = [N, 2N, ...]: the lr of torch's StepLR(step_size=N, gamma) epoch by
// epoch, bitwise equal to the milestones written out (one rule, multiplied in order).
TEST(LrSchedule, StepEveryIsStepLr) {
  LrScheduleOptions every;
  every.kind = LrScheduleKind::kStep;
  every.step_every = 100;
  every.gamma = 0.9;
  LrScheduleOptions listed = every;
  listed.step_every = 0;
  listed.milestones = {100, 200, 300, 400, 500};
  for (double epoch : {0.0, 50.0, 99.5, 99.9999999999, 100.0, 150.0, 200.0, 399.0, 450.0, 500.0}) {
    const int k = static_cast<int>(std::floor((epoch + 1e-9) / 100.0));
    double expected = 1e-2;
    for (int i = 0; i < k; ++i) expected *= 0.9;  // StepLR: lr x gamma^(epoch // step_size), in order
    EXPECT_EQ(lr_at(every, 1e-2, epoch, 500), expected) << "epoch " << epoch;
    EXPECT_EQ(lr_at(every, 1e-2, epoch, 500), lr_at(listed, 1e-2, epoch, 500)) << "epoch " << epoch;
  }
  // Fractional steps (in epochs), multiples not sums: 0.1 x 3 is 0.30000000000000004 but still a step at 0.3.
  every.step_every = 0.1;
  every.gamma = 0.5;
  EXPECT_EQ(lr_at(every, 1.0, 0.3, 1), 0.125);
  EXPECT_EQ(lr_at(every, 1.0, 0.29, 1), 0.25);
}

TEST(LrSchedule, StepMilestonesExpandStepEveryPastTheClock) {
  LrScheduleOptions s;
  s.kind = LrScheduleKind::kStep;
  s.milestones = {3, 7};
  EXPECT_EQ(step_milestones(s, 100), (std::vector<double>{3, 7}));
  s.milestones.clear();
  s.step_every = 2.5;
  EXPECT_EQ(step_milestones(s, 0), (std::vector<double>{2.5, 5.0}));
  EXPECT_EQ(step_milestones(s, 5.0), (std::vector<double>{2.5, 5.0, 7.5, 10.0}));
  s.kind = LrScheduleKind::kCosine;
  EXPECT_TRUE(step_milestones(s, 5.0).empty());
}

// The paper's recipe (issue 18): lr 1e-2 and weight decay 1e-4, x 0.9 and x 0.8 every 100 epochs.
TEST(LrSchedule, WeightDecayFollowsTheStepsWithItsOwnGamma) {
  LrScheduleOptions s;
  s.kind = LrScheduleKind::kStep;
  s.step_every = 100;
  s.gamma = 0.9;
  s.weight_decay_gamma = 0.8;
  EXPECT_EQ(weight_decay_at(s, 1e-4, 0), 1e-4);
  EXPECT_EQ(weight_decay_at(s, 1e-4, 99.9), 1e-4);
  EXPECT_EQ(weight_decay_at(s, 1e-4, 100), 1e-4 * 0.8);
  EXPECT_EQ(weight_decay_at(s, 1e-4, 250), 1e-4 * 0.8 * 0.8);
  EXPECT_EQ(lr_at(s, 1e-2, 250, 1000), 1e-2 * 0.9 * 0.9);
  s.warmup_epochs = 10;  // the warmup shapes the lr only
  EXPECT_EQ(weight_decay_at(s, 1e-4, 5), 1e-4);
  EXPECT_EQ(weight_decay_at(s, 1e-4, 100), 1e-4 * 0.8);
  // With milestones the same rule applies at the milestones.
  s.step_every = 0;
  s.milestones = {30, 60};
  EXPECT_EQ(weight_decay_at(s, 0.5, 45), 0.4);
  EXPECT_EQ(weight_decay_at(s, 0.5, 60), 0.5 * 0.8 * 0.8);
  // weight_decay_gamma = 1 (the default) and the other kinds: constant.
  s.weight_decay_gamma = 1.0;
  EXPECT_EQ(weight_decay_at(s, 0.5, 60), 0.5);
  s.weight_decay_gamma = 0.8;
  s.kind = LrScheduleKind::kCosine;
  EXPECT_EQ(weight_decay_at(s, 0.5, 60), 0.5);
}
