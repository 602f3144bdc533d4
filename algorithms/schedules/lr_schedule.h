// Learning-rate schedules as pure functions of training progress (so resume needs no state).
// Also the lr scaling rules for large or changing batches (linear with warmup, Goyal et al. 2017;
// square root). Not for: batch-size schedules (batch_schedule.h).
#pragma once

#include "jobs/job_spec.h"

namespace curvlab {

// The lr at fractional epoch `epoch` (samples seen / training-set size) of a run lasting
// `total_epochs` epochs: linear warmup from warmup_start_factor*base_lr to base_lr over
// warmup_epochs, then constant, step (x gamma at each milestone epoch) or cosine (from base_lr
// to min_lr over the epochs after warmup).
double lr_at(const LrScheduleSpec& spec, double base_lr, double epoch, double total_epochs);

// The lr multiplier of train.lr_scaling for a batch of `batch` against `reference`:
// none 1, linear batch/reference, sqrt sqrt(batch/reference).
double lr_scale_factor(const std::string& rule, std::int64_t batch, std::int64_t reference);

// The lr of a training step: train.lr scaled by train.lr_scaling for the batch (the current batch
// `batch` when batch_schedule.couple_lr, else train.batch_size) against reference_batch_size (0 =
// train.batch_size), then shaped by train.lr_schedule. With a scaling rule the warmup starts at
// train.lr, the reference lr (Goyal et al.), instead of warmup_start_factor x the peak.
double train_lr_at(const TrainSpec& t, double epoch, double total_epochs, std::int64_t batch);

}  // namespace curvlab
