// Learning-rate schedules as pure functions of training progress (so resume needs no state).
// Also the lr scaling rules for large or changing batches (linear with warmup, Goyal et al. 2017;
// square root). Not for: batch-size schedules (algorithms/large_batch/batch_schedule.h).
#pragma once

#include <cstdint>
#include <vector>

#include "base/enum_names.h"

namespace curvlab {

enum class LrScheduleKind { kConstant, kStep, kCosine };
const EnumNames<LrScheduleKind>& lr_schedule_names();  // "constant", "step", "cosine"

// [train.lr_schedule]
struct LrScheduleOptions {
  LrScheduleKind kind = LrScheduleKind::kConstant;
  double warmup_epochs = 0.0;        // linear warmup from warmup_start_factor*lr to lr
  double warmup_start_factor = 0.0;
  std::vector<double> milestones;    // step: epochs at which lr *= gamma (algorithms/schedules/milestones.h)
  double step_every = 0.0;           // step, instead of milestones: lr *= gamma every step_every epochs (StepLR)
  double gamma = 0.1;
  double weight_decay_gamma = 1.0;   // step: the weight decay *= this at each step of the lr (1 = constant)
  double min_lr = 0.0;               // cosine: final lr
};

enum class LrScaling { kNone, kLinear, kSqrt };
const EnumNames<LrScaling>& lr_scaling_names();  // "none", "linear", "sqrt"

// The lr of every step of a run: a base lr scaled for the batch, then shaped by the schedule.
struct LrPlan {
  double lr = 0.1;                     // the lr at reference_batch (train.lr)
  LrScaling scaling = LrScaling::kNone;
  std::int64_t reference_batch = 0;    // 0 = base_batch
  std::int64_t base_batch = 1;         // train.batch_size
  bool couple_lr = false;              // scale with the current batch (batch schedules) instead of base_batch
  LrScheduleOptions schedule;
};

// The lr at fractional epoch `epoch` (samples seen / training-set size) of a run lasting
// `total_epochs` epochs: linear warmup from warmup_start_factor*base_lr to base_lr over
// warmup_epochs, then constant, step (x gamma at each milestone epoch) or cosine (from base_lr
// to min_lr over the epochs after warmup).
double lr_at(const LrScheduleOptions& schedule, double base_lr, double epoch, double total_epochs);

// The milestones of a step schedule that matter at `epoch`: `milestones` as given, or with
// step_every > 0 the epochs step_every, 2 step_every, ... (k x step_every, not summed) up to the
// first one past `epoch`, so that apply_milestones (the one milestone rule) decides which count.
// Empty for the other kinds.
std::vector<double> step_milestones(const LrScheduleOptions& schedule, double epoch);

// The weight decay at fractional epoch `epoch`: base_weight_decay x weight_decay_gamma at each
// step of a step schedule reached (the same milestones as the lr; warmup does not change it);
// base_weight_decay for the other kinds. A pure function of progress, as lr_at: resume needs no state.
double weight_decay_at(const LrScheduleOptions& schedule, double base_weight_decay, double epoch);

// The lr multiplier of a scaling rule for a batch of `batch` against `reference`:
// none 1, linear batch/reference, sqrt sqrt(batch/reference).
double lr_scale_factor(LrScaling rule, std::int64_t batch, std::int64_t reference);

// The lr of a training step: plan.lr scaled by plan.scaling for the batch (the current batch
// `batch` when couple_lr, else base_batch) against reference_batch, then shaped by the schedule.
// With a scaling rule the warmup starts at plan.lr, the reference lr (Goyal et al.), instead of
// warmup_start_factor x the peak.
double lr_at_step(const LrPlan& plan, double epoch, double total_epochs, std::int64_t batch);

}  // namespace curvlab
