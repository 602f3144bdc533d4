// Step hook: curvature tracking during training ([hessian] track_every_epochs / track_every_steps):
// at evaluation time, when due, the top-k Hessian eigenvalues (hessian.eigen_method) and, with
// hessian.trace, the Hutchinson trace of the mean loss over the first hessian.samples training
// samples (split across ranks), appended as a row of the "hessian_tracking" metrics table (saved
// in checkpoints and results.h5, written to <run>/hessian_tracking.csv) with a gnuplot plot of the
// top eigenvalue over training (plots/eigenvalue_tracking.png/.svg).
// Uses its own random streams (derive_seed(seed, "hessian_track", step)): training numbers do not
// change when tracking is switched on. Not for: the hessian job (jobs/hessian/).
#pragma once

#include <cstdint>

#include "algorithms/hessian/hessian_options.h"
#include "engine/hooks/step_hook.h"

namespace curvlab {

class MetricTable;

class CurvatureHook : public StepHook {
 public:
  // `bucket_mb`: the allreduce bucket of the Hessian products ([comm] bucket_mb).
  CurvatureHook(const HessianOptions& options, double bucket_mb, TrainContext& c);
  std::string name() const override { return "curvature_tracking"; }
  void at_evaluation(TrainContext& c) override;
  void load_state(TrainContext& c, const StateReader& in) override;

 private:
  HessianOptions h_;
  double bucket_mb_;
  MetricTable* table_;
  std::int64_t last_step_ = 0;
  double last_epoch_ = 0;
};

}  // namespace curvlab
