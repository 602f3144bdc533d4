// When checkpoints are written (see checkpoint_hook.h).
#include "engine/hooks/checkpoint_hook.h"

#include "engine/train_context.h"
#include "engine/train_state.h"

namespace curvlab {

void CheckpointHook::end_of_step(TrainContext& c) {
  const std::int64_t every = c.options.checkpoint_every_steps;
  const bool due = c.last_step || (every > 0 ? c.step % every == 0 : c.epoch_end);
  if (due) save_checkpoint(c);
}

void CheckpointHook::on_finish(TrainContext& c, bool stopped) {
  if (!stopped) return;
  save_checkpoint(c);
  c.message("stop requested: checkpoint written at step " + std::to_string(c.step) + ": " + c.last_checkpoint);
}

}  // namespace curvlab
