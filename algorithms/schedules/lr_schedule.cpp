// Implementation of the lr schedules: warmup, constant, step, cosine.
#include "algorithms/schedules/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "engine/error.h"

namespace curvlab {

double lr_at(const LrScheduleSpec& spec, double base_lr, double epoch, double total_epochs) {
  if (spec.warmup_epochs > 0 && epoch < spec.warmup_epochs) {
    const double t = epoch / spec.warmup_epochs;
    return base_lr * (spec.warmup_start_factor + (1.0 - spec.warmup_start_factor) * t);
  }
  if (spec.kind == "constant") return base_lr;
  if (spec.kind == "step") {
    double lr = base_lr;
    for (double m : spec.milestones) {
      if (epoch >= m) lr *= spec.gamma;
    }
    return lr;
  }
  if (spec.kind == "cosine") {
    const double span = total_epochs - spec.warmup_epochs;
    if (span <= 0) return base_lr;
    const double t = std::clamp((epoch - spec.warmup_epochs) / span, 0.0, 1.0);
    return spec.min_lr + (base_lr - spec.min_lr) * 0.5 * (1.0 + std::cos(M_PI * t));
  }
  CURVLAB_THROW(ConfigError, "unknown lr schedule '" + spec.kind + "' (allowed: constant, step, cosine)");
}

}  // namespace curvlab
