// Building a training run from its options: data, model (seeded, broadcast), optimizer, reducer,
// loader, task, batch schedule and the step plan; the step table's columns; the run's result.
// Not for: the loop (trainer.cpp) or checkpoints (train_state.h).
#pragma once

#include <cstdint>

#include "engine/train_context.h"
#include "engine/trainer.h"

namespace curvlab {

// Fills everything in `c` that the loop needs before hooks are made. ConfigError for a batch (or a
// batch schedule) larger than the training set, or sync batch norm with fewer samples than ranks.
void build_training(TrainContext& c);
// Sets the step table's columns: step, epoch, the task's, lr, batch_size, samples_per_s, wall_time,
// grad_sq_norm, trace_sigma, noise_scale (NaN unless measured), then any other hook columns.
void finish_step_table(TrainContext& c);
// Every rank's copy of the model gets rank 0's parameters and buffers.
void broadcast_model(TrainContext& c);
// The first evaluation row that meets the target, or -1.
std::int64_t target_row(const TrainContext& c);
// The summary of a finished (or stopped) run.
TrainResult train_result(const TrainContext& c, TrainResult r, bool stopped);

}  // namespace curvlab
