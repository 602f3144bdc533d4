// Step hook: rank 0's progress output (engine/progress.h): the bar or log line after every step,
// the evaluation line, and the closing line. Built in (the trainer adds it).
#pragma once

#include "engine/hooks/step_hook.h"

namespace curvlab {

class ProgressHook : public StepHook {
 public:
  std::string name() const override { return "progress"; }
  void after_step(TrainContext& c) override;
  void at_evaluation(TrainContext& c) override;
  void on_finish(TrainContext& c, bool stopped) override;
};

}  // namespace curvlab
