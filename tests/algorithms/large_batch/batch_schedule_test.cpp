// Tests of algorithms/large_batch/batch_schedule.cpp: the batch at given steps/epochs for every
// kind and shape (values worked out by hand from the formulas in docs/large-batch.md), cycle
// ends, and the step planning against the real Loader serving the same schedule.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "algorithms/large_batch/batch_schedule.h"
#include "engine/data/loader.h"

using namespace curvlab;

namespace {
BatchScheduleOptions cyclical(const std::string& shape, std::int64_t lo, std::int64_t hi, double len) {
  BatchScheduleOptions s;
  s.kind = BatchScheduleKind::kCyclical;
  s.shape = *cycle_shape_names().find(shape);
  s.min_batch_size = lo;
  s.max_batch_size = hi;
  s.cycle_length = len;
  s.unit = ScheduleUnit::kSteps;
  return s;
}
std::int64_t at_step(const BatchSchedule& s, std::int64_t step) { return s.batch_at({step, 0.0}); }
std::int64_t at_epoch(const BatchSchedule& s, double epoch) { return s.batch_at({0, epoch}); }
}  // namespace

TEST(BatchSchedule, ConstantIsTheBatchSize) {
  BatchSchedule s(BatchScheduleOptions{}, 96);
  EXPECT_EQ(at_epoch(s, 0.0), 96);
  EXPECT_EQ(at_epoch(s, 7.3), 96);
  EXPECT_FALSE(s.cycle_ended({0, 0.0}, {1, 5.0}));
}

TEST(BatchSchedule, StepIncreaseAtEpochMilestonesWithCap) {
  BatchScheduleOptions spec;
  spec.kind = BatchScheduleKind::kStep;
  spec.milestones = {2, 4, 6};
  spec.gamma = 5;
  spec.max_batch_size = 2000;
  BatchSchedule s(spec, 128);
  EXPECT_EQ(at_epoch(s, 0.0), 128);
  EXPECT_EQ(at_epoch(s, 1.999), 128);
  EXPECT_EQ(at_epoch(s, 2.0), 640);
  EXPECT_EQ(at_epoch(s, 4.5), 2000);   // 3200 capped
  EXPECT_EQ(at_epoch(s, 9.0), 2000);
  EXPECT_EQ(s.max_batch(10.0), 2000);
  spec.unit = ScheduleUnit::kSteps;
  spec.max_batch_size = 0;
  spec.milestones = {10};
  spec.gamma = 2;
  BatchSchedule t(spec, 100);
  EXPECT_EQ(at_step(t, 9), 100);
  EXPECT_EQ(at_step(t, 10), 200);
}

TEST(BatchSchedule, CyclicalShapesAtKnownPhases) {
  // cycle of 8 steps between 64 and 192: phase t = (step mod 8) / 8
  BatchSchedule saw(cyclical("sawtooth", 64, 192, 8), 64);
  EXPECT_EQ(at_step(saw, 0), 64);
  EXPECT_EQ(at_step(saw, 2), 96);    // 64 + 0.25 * 128
  EXPECT_EQ(at_step(saw, 4), 128);
  EXPECT_EQ(at_step(saw, 7), 176);   // 64 + 0.875 * 128
  EXPECT_EQ(at_step(saw, 8), 64);    // the next cycle starts small again
  BatchSchedule tri(cyclical("triangular", 64, 192, 8), 64);
  EXPECT_EQ(at_step(tri, 0), 64);
  EXPECT_EQ(at_step(tri, 2), 128);   // f = 1 - |0.5 - 1| = 0.5
  EXPECT_EQ(at_step(tri, 4), 192);
  EXPECT_EQ(at_step(tri, 6), 128);
  BatchSchedule cosine(cyclical("cosine", 64, 192, 8), 64);
  EXPECT_EQ(at_step(cosine, 2), 64 + std::llround(0.5 * (1 - std::cos(M_PI * 0.25)) * 128));  // 82.7 -> 83
  EXPECT_EQ(at_step(cosine, 4), 128);
  BatchSchedule square(cyclical("square", 64, 192, 8), 64);
  EXPECT_EQ(at_step(square, 3), 64);
  EXPECT_EQ(at_step(square, 4), 192);
  EXPECT_EQ(at_step(square, 12), 192);
}

TEST(BatchSchedule, RoundsToMultiplesAndDefaultsMinToBatchSize) {
  BatchScheduleOptions spec = cyclical("sawtooth", 0, 200, 3);
  spec.multiple_of = 16;
  BatchSchedule s(spec, 50);         // min = train.batch_size = 50 -> 48
  EXPECT_EQ(at_step(s, 0), 48);
  EXPECT_EQ(at_step(s, 1), 96);      // 50 + 150 / 3 = 100 -> 96
  EXPECT_EQ(at_step(s, 2), 144);     // 150 -> 144
  EXPECT_EQ(at_step(s, 2) % 16, 0);
}

TEST(BatchSchedule, CycleEndsAndIndexesInEpochs) {
  BatchScheduleOptions spec = cyclical("sawtooth", 32, 64, 1.5);
  spec.unit = ScheduleUnit::kEpochs;
  BatchSchedule s(spec, 32);
  EXPECT_EQ(s.cycle_at({0, 1.4}), 0);
  EXPECT_EQ(s.cycle_at({0, 1.5}), 1);
  EXPECT_TRUE(s.cycle_ended({0, 1.45}, {1, 1.5}));
  EXPECT_FALSE(s.cycle_ended({0, 1.5}, {1, 1.6}));
  EXPECT_TRUE(s.cycle_ended({0, 2.9}, {1, 3.0}));
}

TEST(BatchSchedule, PlannedStepsMatchTheLoader) {
  // The trainer plans its steps with plan_steps_for_epochs; the real Loader serving the same
  // schedule must end exactly there (with and without drop_last, epochs and steps units).
  Dataset data;
  data.name = "d";
  data.inputs = torch::zeros({1000, 1, 1, 1});
  data.targets = torch::zeros({1000}, torch::kInt64);
  for (bool drop_last : {false, true}) {
    for (const std::string unit : {"epochs", "steps"}) {
      BatchScheduleOptions spec = cyclical("triangular", 50, 300, unit == "steps" ? 7.0 : 0.8);
      spec.unit = *schedule_unit_names().find(unit);
      BatchSchedule s(spec, 50);
      const std::int64_t steps = plan_steps_for_epochs(s, 1000, drop_last, 3.0);
      Loader loader(data, 1, 0, 1, drop_last);
      std::int64_t step = 0;
      bool epoch_done = false;
      double progress = 0;
      while (progress < 3.0 - 1e-12) {
        Batch b = loader.next(s.batch_at({step, progress}));
        ++step;
        epoch_done = b.last_in_epoch;
        progress = epoch_done ? static_cast<double>(loader.epoch() + 1)
                              : static_cast<double>(loader.epoch()) + loader.position() / 1000.0;
      }
      EXPECT_EQ(steps, step) << "drop_last " << drop_last << " unit " << unit;
      EXPECT_DOUBLE_EQ(epochs_after_steps(s, 1000, drop_last, steps), 3.0);
    }
  }
}
