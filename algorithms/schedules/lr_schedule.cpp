// Implementation of the lr schedules: warmup, constant, step, cosine; the scaling rules.
#include "algorithms/schedules/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "algorithms/schedules/milestones.h"
#include "base/error.h"

namespace curvlab {

const EnumNames<LrScheduleKind>& lr_schedule_names() {
  static const EnumNames<LrScheduleKind> names = {
      {LrScheduleKind::kConstant, "constant"}, {LrScheduleKind::kStep, "step"}, {LrScheduleKind::kCosine, "cosine"}};
  return names;
}

const EnumNames<LrScaling>& lr_scaling_names() {
  static const EnumNames<LrScaling> names = {
      {LrScaling::kNone, "none"}, {LrScaling::kLinear, "linear"}, {LrScaling::kSqrt, "sqrt"}};
  return names;
}

double lr_at(const LrScheduleOptions& s, double base_lr, double epoch, double total_epochs) {
  if (s.warmup_epochs > 0 && epoch < s.warmup_epochs) {
    const double t = epoch / s.warmup_epochs;
    return base_lr * (s.warmup_start_factor + (1.0 - s.warmup_start_factor) * t);
  }
  switch (s.kind) {
    case LrScheduleKind::kConstant:
      return base_lr;
    case LrScheduleKind::kStep:
      return apply_milestones(base_lr, s.gamma, step_milestones(s, epoch), epoch);
    case LrScheduleKind::kCosine: {
      const double span = total_epochs - s.warmup_epochs;
      if (span <= 0) return base_lr;
      const double t = std::clamp((epoch - s.warmup_epochs) / span, 0.0, 1.0);
      return s.min_lr + (base_lr - s.min_lr) * 0.5 * (1.0 + std::cos(M_PI * t));
    }
  }
  CURVLAB_THROW(ConfigError, "unknown lr schedule kind");
}

std::vector<double> step_milestones(const LrScheduleOptions& s, double epoch) {
  if (s.kind != LrScheduleKind::kStep) return {};
  if (!(s.step_every > 0)) return s.milestones;
  CURVLAB_CHECK(std::isfinite(epoch), ConfigError, "the lr schedule needs a finite epoch");
  std::vector<double> out;
  for (std::int64_t k = 1;; ++k) {
    const double m = static_cast<double>(k) * s.step_every;
    out.push_back(m);
    if (m > epoch + s.step_every) break;  // a whole step past the clock: apply_milestones skips it
  }
  return out;
}

double weight_decay_at(const LrScheduleOptions& s, double base_weight_decay, double epoch) {
  if (s.kind != LrScheduleKind::kStep || s.weight_decay_gamma == 1.0) return base_weight_decay;
  return apply_milestones(base_weight_decay, s.weight_decay_gamma, step_milestones(s, epoch), epoch);
}

double lr_scale_factor(LrScaling rule, std::int64_t batch, std::int64_t reference) {
  CURVLAB_CHECK(batch >= 1 && reference >= 1, ConfigError,
                "lr scaling needs batch sizes >= 1 (batch " + std::to_string(batch) + ", reference " +
                    std::to_string(reference) + ")");
  const double k = static_cast<double>(batch) / static_cast<double>(reference);
  switch (rule) {
    case LrScaling::kNone: return 1.0;
    case LrScaling::kLinear: return k;
    case LrScaling::kSqrt: return std::sqrt(k);
  }
  CURVLAB_THROW(ConfigError, "unknown lr scaling rule");
}

double lr_at_step(const LrPlan& plan, double epoch, double total_epochs, std::int64_t batch) {
  const std::int64_t reference = plan.reference_batch > 0 ? plan.reference_batch : plan.base_batch;
  const std::int64_t b = plan.couple_lr ? batch : plan.base_batch;
  const double peak = plan.lr * lr_scale_factor(plan.scaling, b, reference);
  if (plan.scaling == LrScaling::kNone) return lr_at(plan.schedule, peak, epoch, total_epochs);
  LrScheduleOptions s = plan.schedule;
  s.warmup_start_factor = plan.lr / peak;  // the warmup starts at the reference lr
  return lr_at(s, peak, epoch, total_epochs);
}

}  // namespace curvlab
