// Step hook: K-FAC preconditioning (train.optimizer = "kfac"): capture at factor-update steps,
// factor sums launched after each backward, gradients preconditioned (and KL-clipped) before the
// SGD step, decompositions gathered for checkpoints (state under "kfac/"). The maths and the
// protocol are algorithms/kfac/kfac_preconditioner.h.
#pragma once

#include <memory>

#include "algorithms/kfac/kfac_options.h"
#include "algorithms/kfac/kfac_preconditioner.h"
#include "engine/hooks/step_hook.h"

namespace curvlab {

class KfacHook : public StepHook {
 public:
  // Built once the model exists (the preconditioner finds its capturing layers).
  KfacHook(const KfacOptions& options, TrainContext& c);
  std::string name() const override { return "kfac"; }
  void before_step(TrainContext& c) override;
  void after_backward(TrainContext& c, const MicroBatch& mb) override;
  void before_update(TrainContext& c) override;
  void before_checkpoint(TrainContext& c) override;
  void save_state(const TrainContext& c, StateWriter& out) const override;
  void load_state(TrainContext& c, const StateReader& in) override;
  KfacPreconditioner& preconditioner() { return *kfac_; }

 private:
  std::unique_ptr<KfacPreconditioner> kfac_;
};

}  // namespace curvlab
