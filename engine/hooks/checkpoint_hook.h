// Step hook: writes a checkpoint (and the results file) when one is due: every
// train.checkpoint_every_steps steps, else at every epoch end; at the last step; and when the run
// stops on a stop request. Built in (the trainer adds it). Layout: engine/train_state.h.
#pragma once

#include "engine/hooks/step_hook.h"

namespace curvlab {

class CheckpointHook : public StepHook {
 public:
  std::string name() const override { return "checkpoint"; }
  void end_of_step(TrainContext& c) override;
  void on_finish(TrainContext& c, bool stopped) override;
};

}  // namespace curvlab
