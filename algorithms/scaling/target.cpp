// Targets and steps-to-target (see target.h, docs/report.md "Steps to target").
#include "algorithms/scaling/target.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "base/error.h"

namespace curvlab {

const std::vector<std::string>& target_metrics() {
  static const std::vector<std::string> kMetrics = {"test_accuracy", "test_loss", "train_loss"};
  return kMetrics;
}

bool higher_is_better(const std::string& metric) { return metric == "test_accuracy"; }

std::string Target::describe() const {
  if (!set()) return "(no target)";
  std::ostringstream s;
  s << metric << (higher_is_better(metric) ? " >= " : " <= ") << value;
  return s.str();
}

Target parse_target(const std::string& text) {
  const std::string hint = "write --target METRIC=VALUE with METRIC one of test_accuracy, test_loss, train_loss "
                           "(e.g. --target test_accuracy=0.88)";
  const auto eq = text.find('=');
  CURVLAB_CHECK(eq != std::string::npos, ConfigError, "--target '" + text + "' has no '=': " + hint);
  Target t;
  t.metric = text.substr(0, eq);
  bool known = false;
  for (const std::string& m : target_metrics()) known = known || m == t.metric;
  CURVLAB_CHECK(known, ConfigError, "--target names an unknown metric '" + t.metric + "': " + hint);
  const std::string value = text.substr(eq + 1);
  char* end = nullptr;
  t.value = std::strtod(value.c_str(), &end);
  CURVLAB_CHECK(!value.empty() && end && *end == '\0' && std::isfinite(t.value), ConfigError,
                "--target value '" + value + "' is not a finite number: " + hint);
  return t;
}

bool meets_target(double value, const Target& target) {
  if (!std::isfinite(value) || !target.set()) return false;
  return higher_is_better(target.metric) ? value >= target.value : value <= target.value;
}

Reach first_reach(const std::vector<EvalPoint>& curve, const Target& target) {
  Reach r;
  for (const EvalPoint& p : curve) {
    if (meets_target(p.value, target)) {
      r.reached = true;
      r.step = p.step;
      r.epoch = p.epoch;
      r.wall_time = p.wall_time;
      return r;
    }
  }
  return r;
}

bool has_non_finite(const std::vector<EvalPoint>& curve) {
  for (const EvalPoint& p : curve) {
    if (!std::isfinite(p.value)) return true;
  }
  return false;
}

}  // namespace curvlab
