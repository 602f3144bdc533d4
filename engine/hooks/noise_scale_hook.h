// Step hook: the gradient noise scale (train.noise_scale; McCandlish et al. 2018) from the squared
// norms of the per-rank, per-micro-batch gradients (summed by the reducer) and of the global-batch
// gradient, before any preconditioner changes it; fills the step table's grad_sq_norm,
// trace_sigma and noise_scale; state under "noise_scale/". Maths: algorithms/large_batch/noise_scale.h.
#pragma once

#include "algorithms/large_batch/noise_scale.h"
#include "engine/hooks/step_hook.h"

namespace curvlab {

class NoiseScaleHook : public StepHook {
 public:
  explicit NoiseScaleHook(double ema_decay) : noise_(ema_decay) {}
  std::string name() const override { return "noise_scale"; }
  void on_start(TrainContext& c) override;
  // One rank has a single per-rank gradient: it needs a second, smaller one.
  int min_micro_batches(const TrainContext& c) const override;
  void before_step(TrainContext& c) override;
  void after_backward(TrainContext& c, const MicroBatch& mb) override;
  void before_update(TrainContext& c) override;
  void save_state(const TrainContext& c, StateWriter& out) const override;
  void load_state(TrainContext& c, const StateReader& in) override;

 private:
  GradientNoiseScale noise_;
  double small_count_ = 0, inv_batch_sum_ = 0;  // this step: micro-batches with samples, sum of 1/b_k
};

}  // namespace curvlab
