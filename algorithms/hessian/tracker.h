// Curvature tracking during training: at evaluation time, every hessian.track_every_epochs epochs
// (or hessian.track_every_steps steps), the top-k Hessian eigenvalues (hessian.eigen_method) and,
// when hessian.trace, the Hutchinson trace of the mean loss over the first hessian.samples
// training samples (split across ranks), appended as a row of <output_dir>/hessian_tracking.csv
// with a gnuplot plot of the top eigenvalue over training (plots/eigenvalue_tracking.png/.svg).
// Uses its own random streams (derive_seed(seed, "hessian_track", step)): training numbers do
// not change when tracking is switched on. Not for: the hessian job (jobs/runners/hessian_runner.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "comm/communicator.h"
#include "engine/data/dataset.h"
#include "engine/models/model.h"
#include "jobs/job_spec.h"

namespace curvlab {

class CurvatureTracker {
 public:
  CurvatureTracker(const JobSpec& spec, CommunicatorPtr comm);
  // True when [hessian] asks for tracking in this (train) job.
  static bool enabled(const JobSpec& spec);
  // Collective. Computes and records when due; leaves the model in train mode.
  void on_eval(const Net& model, const Dataset& train, std::int64_t step, double epoch);

 private:
  JobSpec spec_;
  CommunicatorPtr comm_;
  std::string csv_;
  std::int64_t last_step_ = 0;
  double last_epoch_ = 0;
};

}  // namespace curvlab
