// A training target ("test_accuracy >= 0.88", "train_loss <= 0.3") and the first evaluation of a run
// that meets it: the steps, epochs and wall time to target of a batch-size scaling study.
// Not for: grouping runs or choosing hyperparameters (study.h), reading files (jobs/report/).
#pragma once

#include <limits>
#include <string>
#include <vector>

namespace curvlab {

// The metrics a target may name; higher is better for test_accuracy, lower for the losses.
const std::vector<std::string>& target_metrics();
bool higher_is_better(const std::string& metric);

struct Target {
  std::string metric;                                       // "" = no target
  double value = std::numeric_limits<double>::quiet_NaN();
  bool set() const { return !metric.empty(); }
  std::string describe() const;                             // "test_accuracy >= 0.88"
};

// Parses "METRIC=VALUE" (the --target flag); throws ConfigError naming the allowed metrics.
Target parse_target(const std::string& text);

// True when `value` is finite and meets the target (>= for accuracy, <= for losses).
bool meets_target(double value, const Target& target);

// One evaluation of a run: where it happened and the target metric's value there.
struct EvalPoint {
  double step = 0;
  double epoch = 0;
  double wall_time = 0;
  double value = std::numeric_limits<double>::quiet_NaN();
};

// The first evaluation that meets the target; all fields +inf when none does.
struct Reach {
  bool reached = false;
  double step = std::numeric_limits<double>::infinity();
  double epoch = std::numeric_limits<double>::infinity();
  double wall_time = std::numeric_limits<double>::infinity();
};

// `curve` in the order the run wrote it (steps increasing). NaN/inf values never meet a target.
Reach first_reach(const std::vector<EvalPoint>& curve, const Target& target);

// True when the curve holds a non-finite value (a diverged run: NaN or inf loss / accuracy).
bool has_non_finite(const std::vector<EvalPoint>& curve);

}  // namespace curvlab
