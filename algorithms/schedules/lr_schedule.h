// Learning-rate schedules as pure functions of training progress (so resume needs no state).
// Not for: batch-size schedules or lr scaling rules (those come with the schedules issue).
#pragma once

#include "jobs/job_spec.h"

namespace curvlab {

// The lr at fractional epoch `epoch` (samples seen / training-set size) of a run lasting
// `total_epochs` epochs: linear warmup from warmup_start_factor*base_lr to base_lr over
// warmup_epochs, then constant, step (x gamma at each milestone epoch) or cosine (from base_lr
// to min_lr over the epochs after warmup).
double lr_at(const LrScheduleSpec& spec, double base_lr, double epoch, double total_epochs);

}  // namespace curvlab
