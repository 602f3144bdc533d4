// A training run's checkpoints and results file: what the loop and every hook save, and how a run
// resumes from the newest valid checkpoint. Layout: docs/checkpoint-format.md (unchanged by hooks:
// each hook keeps the paths its state always had).
#pragma once

#include "engine/train_context.h"

namespace curvlab {

// Collective: gathers every rank's RNG state and the hooks' distributed state, rank 0 writes the
// checkpoint of c.step (and the results file); NumericsError when a parameter is not finite.
void save_checkpoint(TrainContext& c);
// Rank 0: <run>/results.h5 with the metrics, the summary, and the hooks' results.
void write_results(const TrainContext& c);
// Restores the newest valid checkpoint into `c` and its hooks; false when there is none.
bool restore_checkpoint(TrainContext& c);

}  // namespace curvlab
