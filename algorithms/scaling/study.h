// A batch-size scaling study (Shallue et al. 2018; the K-FAC large-batch study): runs grouped by
// (optimizer, batch size); within a group, runs with the same hyperparameters are seeds of one
// setting. Per group: each setting's median steps to target over its seeds, the best setting, the
// fraction of settings that reach the target (hyperparameter sensitivity), the median noise scale;
// per optimizer: the perfect-scaling line, the measured critical batch and the B_crit fit; per
// group, the hyperparameters whose best value sits at the edge of the swept grid (grid_edges.h).
// Rules in docs/report.md. Not for: reading run directories (jobs/report/sweep_reader.h).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "algorithms/scaling/grid_edges.h"
#include "algorithms/scaling/scaling_fit.h"
#include "algorithms/scaling/target.h"

namespace curvlab {

// Median of `values` (+inf allowed: a seed that did not reach the target); NaN when empty.
double median(std::vector<double> values);

// Median of the finite values among those whose step is in the second half of the run
// (step > last step / 2); NaN when there are none. `steps` and `values` have equal length.
double second_half_median(const std::vector<double>& steps, const std::vector<double>& values);

// One run of the study, as the reader found it.
struct RunOutcome {
  std::string id;
  std::string optimizer;
  std::int64_t batch_size = 0;
  std::string setting;          // the hyperparameters: "train.lr=0.1 kfac.damping=0.001" ("" = none swept)
  HyperValues values;           // the same, key by key (keys this run's sweep case does not set are absent)
  std::string seed;             // job.seed as written ("" when not swept)
  std::string state;            // done | failed | diverged | stopped | running | pending | unreadable
  bool finished = false;        // done, failed or diverged: its result is final
  std::vector<EvalPoint> curve; // the target metric at each evaluation
  double noise_scale = std::numeric_limits<double>::quiet_NaN();  // second_half_median of noise_scale
  Reach reach;                  // filled by analyse_study
  bool counted = false;         // filled by analyse_study: finished, or already reached the target
};

// One setting (hyperparameters) of one group, over its seeds.
struct SettingResult {
  std::string setting;
  HyperValues values;           // of its first seed (all seeds share them)
  int seeds = 0;                // runs of this setting
  int seeds_counted = 0;        // finished, or reached the target while still running
  int seeds_reached = 0;
  bool reached = false;         // a strict majority of the counted seeds reached the target
  double steps = std::numeric_limits<double>::infinity();      // medians over counted seeds (+inf if not reached)
  double epochs = std::numeric_limits<double>::infinity();
  double wall_time = std::numeric_limits<double>::infinity();
  std::string fastest_run;      // id of the seed that reached the target in the fewest steps
};

struct GroupResult {
  std::string optimizer;
  std::int64_t batch_size = 0;
  std::vector<SettingResult> settings;  // sorted by setting text
  int best = -1;                        // index into settings; -1 when none reached the target
  std::vector<EdgeFlag> edges;          // hyperparameters whose best value is at the edge of what was swept
  int runs = 0;
  int runs_missing = 0;                 // not finished and not reached: pending, running, stopped, unreadable
  int settings_counted = 0;             // settings with at least one counted seed
  int settings_reached = 0;
  double reached_fraction = std::numeric_limits<double>::quiet_NaN();  // settings_reached / settings_counted
  double noise_scale = std::numeric_limits<double>::quiet_NaN();       // median over the group's runs
  // From the optimizer's scaling curve (NaN when the group or the anchor did not reach the target):
  double perfect_scaling_steps = std::numeric_limits<double>::quiet_NaN();
  double speedup = std::numeric_limits<double>::quiet_NaN();           // S(anchor) / S(B)
  double perfect_speedup = std::numeric_limits<double>::quiet_NaN();   // B / anchor
  double scaling_efficiency = std::numeric_limits<double>::quiet_NaN();// S_perfect(B) / S(B)
  const SettingResult* best_setting() const { return best < 0 ? nullptr : &settings[best]; }
};

struct OptimizerSummary {
  std::string optimizer;
  double anchor_batch = std::numeric_limits<double>::quiet_NaN();  // smallest batch size that reached the target
  double anchor_steps = std::numeric_limits<double>::quiet_NaN();
  double largest_batch = std::numeric_limits<double>::quiet_NaN();          // largest batch size swept
  double largest_reached_batch = std::numeric_limits<double>::quiet_NaN();
  double measured_critical_batch = std::numeric_limits<double>::quiet_NaN();
  CriticalBatchFit fit;
  double noise_scale = std::numeric_limits<double>::quiet_NaN();   // median of the groups' noise scales
};

struct StudyResult {
  Target target;
  std::vector<RunOutcome> runs;            // with reach and counted filled in
  std::vector<GroupResult> groups;         // sorted by (optimizer, batch size)
  std::vector<OptimizerSummary> optimizers;
};

// `axes`: how each hyperparameter was swept (a key not listed is a grid key), for the edge flags.
StudyResult analyse_study(std::vector<RunOutcome> runs, const Target& target, const std::vector<SweptAxis>& axes = {});

}  // namespace curvlab
