// Tests of algorithms/scaling/study.cpp on runs built in memory, every number worked out by hand
// from the rules in study.h and docs/report.md: the median with unreached seeds as +inf, the
// second-half median of the noise scale, a setting's steps as the median over its counted seeds
// (finished, or already past the target) with a strict-majority rule, the best setting (ties:
// wall time, then the setting's text), the sensitivity counts, the perfect-scaling line from the
// smallest batch that reached the target, speedup and efficiency, and the optimizer summaries.
// The same rules on a sweep read from disk: tests/jobs/report/scaling_study_test.cpp.
#include "algorithms/scaling/study.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace curvlab {
namespace {

constexpr double kTol = 1e-12;

// A run evaluated every 10 steps up to last_step, at accuracy 0.5 until reach_step (-1: never),
// then 0.85; epoch = step * batch / 1000, wall time = step / 10.
RunOutcome run(const std::string& optimizer, std::int64_t batch, const std::string& setting, const std::string& seed,
               bool finished, double reach_step, double last_step = 100, double noise = NAN) {
  RunOutcome r;
  r.optimizer = optimizer;
  r.batch_size = batch;
  r.setting = setting;
  r.seed = seed;
  r.id = optimizer + "-" + std::to_string(batch) + "-" + setting + "-" + seed;
  r.finished = finished;
  r.state = finished ? "done" : "running";
  r.noise_scale = noise;
  for (double s = 10; s <= last_step; s += 10) {
    const bool reached = reach_step > 0 && s >= reach_step;
    r.curve.push_back({s, s * static_cast<double>(batch) / 1000, s / 10, reached ? 0.85 : 0.5});
  }
  return r;
}

const GroupResult& group(const StudyResult& s, const std::string& optimizer, std::int64_t batch) {
  for (const auto& g : s.groups) {
    if (g.optimizer == optimizer && g.batch_size == batch) return g;
  }
  throw std::runtime_error("no group " + optimizer + " " + std::to_string(batch));
}

TEST(ScalingStudy, MedianTreatsUnreachedSeedsAsInfinite) {
  EXPECT_TRUE(std::isnan(median({})));
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 2, 3}), 2.5);
  EXPECT_TRUE(std::isinf(median({1, INFINITY})));
  EXPECT_EQ(median({1, 2, INFINITY}), 2);
  EXPECT_EQ(median({1, 3, 5, INFINITY}), 4);
  EXPECT_EQ(second_half_median({1, 2, 3, 4, 5, 6}, {9, 9, 9, 1, NAN, 3}), 2);
}

TEST(ScalingStudy, SecondHalfMedianUsesTheFiniteValuesAfterHalfTheRun) {
  // Last step 100: steps 60..100 count (> 50); NaN and inf values are left out.
  EXPECT_EQ(second_half_median({10, 50, 60, 80, 100}, {1e6, 1e6, 5, NAN, 7}), 6);
  EXPECT_EQ(second_half_median({10, 60, 100}, {1, INFINITY, 3}), 3);
  EXPECT_TRUE(std::isnan(second_half_median({10, 20}, {NAN, NAN})));
  EXPECT_TRUE(std::isnan(second_half_median({}, {})));
}

StudyResult hand_study() {
  std::vector<RunOutcome> runs = {
      // sgd 100, lr=0.1: reached at 40 and 60, one finished seed never: median(40, 60, inf) = 60.
      run("sgd", 100, "train.lr=0.1", "1", true, 40, 100, 1000),
      run("sgd", 100, "train.lr=0.1", "2", true, 60, 100, 1200),
      run("sgd", 100, "train.lr=0.1", "3", true, -1),
      // sgd 100, lr=0.2: seed 1 at 30; seed 2 still running below the target: not counted.
      run("sgd", 100, "train.lr=0.2", "1", true, 30, 100, 1100),
      run("sgd", 100, "train.lr=0.2", "2", false, -1, 20),
      // sgd 200, lr=0.1: 1 of 2 counted seeds reached: no strict majority.
      run("sgd", 200, "train.lr=0.1", "1", true, 20),
      run("sgd", 200, "train.lr=0.1", "2", true, -1),
      // sgd 200, lr=0.2: 20 and 40 -> 30; a seed still running but already past the target counts.
      run("sgd", 200, "train.lr=0.2", "1", true, 20),
      run("sgd", 200, "train.lr=0.2", "2", false, 40, 50),
      // sgd 400: nothing reaches.
      run("sgd", 400, "train.lr=0.1", "1", true, -1),
      // kfac 100: two settings tie on steps (50) and wall time: the setting text decides.
      run("kfac", 100, "train.lr=0.3", "1", true, 50),
      run("kfac", 100, "train.lr=0.03", "1", true, 50),
      // lars: never reaches anywhere.
      run("lars", 100, "", "", true, -1),
  };
  return analyse_study(runs, parse_target("test_accuracy=0.8"));
}

TEST(ScalingStudy, SettingsFollowTheCountedSeedsAndTheMajorityRule) {
  const StudyResult s = hand_study();
  ASSERT_EQ(s.groups.size(), 5u);
  // Sorted by (optimizer, batch size).
  EXPECT_EQ(s.groups[0].optimizer, "kfac");
  EXPECT_EQ(s.groups[1].optimizer, "lars");
  EXPECT_EQ(s.groups[4].batch_size, 400);
  ASSERT_EQ(s.runs.size(), 13u);
  EXPECT_FALSE(s.runs[4].counted);  // running, below the target
  EXPECT_TRUE(s.runs[8].counted);   // running, past the target

  const GroupResult& g100 = group(s, "sgd", 100);
  ASSERT_EQ(g100.settings.size(), 2u);
  const SettingResult& a = g100.settings[0];
  EXPECT_EQ(a.setting, "train.lr=0.1");
  EXPECT_EQ(a.seeds, 3);
  EXPECT_EQ(a.seeds_counted, 3);
  EXPECT_EQ(a.seeds_reached, 2);
  EXPECT_TRUE(a.reached);
  EXPECT_NEAR(a.steps, 60, kTol);
  EXPECT_NEAR(a.epochs, 6, kTol);
  EXPECT_NEAR(a.wall_time, 6, kTol);
  EXPECT_EQ(a.fastest_run, "sgd-100-train.lr=0.1-1");
  const SettingResult& b = g100.settings[1];
  EXPECT_EQ(b.seeds_counted, 1);
  EXPECT_NEAR(b.steps, 30, kTol);
  ASSERT_NE(g100.best_setting(), nullptr);
  EXPECT_EQ(g100.best_setting()->setting, "train.lr=0.2");
  EXPECT_EQ(g100.runs, 5);
  EXPECT_EQ(g100.runs_missing, 1);
  EXPECT_EQ(g100.settings_counted, 2);
  EXPECT_EQ(g100.settings_reached, 2);
  EXPECT_NEAR(g100.reached_fraction, 1.0, kTol);
  EXPECT_NEAR(g100.noise_scale, 1100, kTol);  // median of 1000, 1200, 1100 (the NaNs left out)

  const GroupResult& g200 = group(s, "sgd", 200);
  EXPECT_FALSE(g200.settings[0].reached);  // 1 of 2: not a strict majority
  EXPECT_TRUE(std::isinf(g200.settings[0].steps));
  EXPECT_NEAR(g200.best_setting()->steps, 30, kTol);
  EXPECT_NEAR(g200.reached_fraction, 0.5, kTol);
  EXPECT_TRUE(std::isnan(g200.noise_scale));
  EXPECT_EQ(group(s, "sgd", 400).best_setting(), nullptr);
  EXPECT_EQ(group(s, "kfac", 100).best_setting()->setting, "train.lr=0.03");  // "0.03" < "0.3"
}

TEST(ScalingStudy, PerfectScalingSpeedupAndSummaries) {
  const StudyResult s = hand_study();
  // sgd: anchor 100 at 30 steps; 200 at 30 steps; 400 unreached.
  const GroupResult& g200 = group(s, "sgd", 200);
  EXPECT_NEAR(g200.perfect_scaling_steps, 15, kTol);
  EXPECT_NEAR(g200.perfect_speedup, 2, kTol);
  EXPECT_NEAR(g200.speedup, 1, kTol);
  EXPECT_NEAR(g200.scaling_efficiency, 0.5, kTol);
  const GroupResult& g400 = group(s, "sgd", 400);
  EXPECT_NEAR(g400.perfect_scaling_steps, 7.5, kTol);  // the line is drawn for every swept batch
  EXPECT_TRUE(std::isnan(g400.speedup));
  EXPECT_TRUE(std::isnan(g400.scaling_efficiency));
  ASSERT_EQ(s.optimizers.size(), 3u);
  const OptimizerSummary& sgd = s.optimizers[2];
  EXPECT_EQ(sgd.optimizer, "sgd");
  EXPECT_EQ(sgd.anchor_batch, 100);
  EXPECT_EQ(sgd.anchor_steps, 30);
  EXPECT_EQ(sgd.largest_batch, 400);
  EXPECT_EQ(sgd.largest_reached_batch, 200);
  EXPECT_EQ(sgd.measured_critical_batch, 200);  // 30 <= 2 x 15: still "near perfect"
  EXPECT_FALSE(sgd.fit.ok);                     // two equal step counts: slope 0
  EXPECT_NEAR(sgd.noise_scale, 1100, kTol);
  const OptimizerSummary& lars = s.optimizers[1];
  EXPECT_EQ(lars.optimizer, "lars");
  EXPECT_TRUE(std::isnan(lars.anchor_batch));
  EXPECT_TRUE(std::isnan(lars.measured_critical_batch));
  EXPECT_TRUE(std::isnan(group(s, "lars", 100).perfect_scaling_steps));
  EXPECT_EQ(s.target.describe(), "test_accuracy >= 0.8");
}

}  // namespace
}  // namespace curvlab
