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

double lr_scale_factor(const std::string& rule, std::int64_t batch, std::int64_t reference) {
  CURVLAB_CHECK(batch >= 1 && reference >= 1, ConfigError,
                "lr scaling needs batch sizes >= 1 (batch " + std::to_string(batch) + ", reference " +
                    std::to_string(reference) + ")");
  const double k = static_cast<double>(batch) / static_cast<double>(reference);
  if (rule == "none") return 1.0;
  if (rule == "linear") return k;
  if (rule == "sqrt") return std::sqrt(k);
  CURVLAB_THROW(ConfigError, "unknown train.lr_scaling '" + rule + "' (allowed: none, linear, sqrt)");
}

double train_lr_at(const TrainSpec& t, double epoch, double total_epochs, std::int64_t batch) {
  const std::int64_t reference = t.reference_batch_size > 0 ? t.reference_batch_size : t.batch_size;
  const std::int64_t b = t.batch_schedule.couple_lr ? batch : t.batch_size;
  const double peak = t.lr * lr_scale_factor(t.lr_scaling, b, reference);
  if (t.lr_scaling == "none") return lr_at(t.lr_schedule, peak, epoch, total_epochs);
  LrScheduleSpec s = t.lr_schedule;
  s.warmup_start_factor = t.lr / peak;  // the warmup starts at the reference lr
  return lr_at(s, peak, epoch, total_epochs);
}

}  // namespace curvlab
