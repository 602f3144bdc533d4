// The gradient noise scale B_simple = tr(Sigma) / |G|^2 (McCandlish, Kaplan, Amodei et al. 2018,
// "An Empirical Model of Large-Batch Training", appendix A), measured during training from gradient
// norms the step computes anyway: small-batch gradients (one per rank and micro-batch) and the
// large-batch (global) gradient. With E|g_b|^2 = |G|^2 + tr(Sigma)/b, the unbiased estimates are
//   |G|^2    = (B |G_B|^2 - b |g_b|^2) / (B - b)
//   tr(Sigma) = (|g_b|^2 - |G_B|^2) / (1/b - 1/B)
// Each is smoothed by a bias-corrected exponential moving average before the ratio is taken.
// Not for: collecting the norms (the trainer and comm/reducer.h do that).
#pragma once

#include <cstdint>

#include "base/state_io.h"

namespace curvlab {

struct NoiseScaleSample {
  double small_sq_norm = 0;  // mean over the small-batch gradients of |g_k|^2
  double small_batch = 0;    // their batch size b (the harmonic mean when they differ)
  double big_sq_norm = 0;    // |G_B|^2 of the global-batch mean gradient
  double big_batch = 0;      // B
};

struct NoiseScaleEstimate {
  double grad_sq_norm = 0;   // EMA of the |G|^2 estimate
  double trace_sigma = 0;    // EMA of the tr(Sigma) estimate (per-sample gradient covariance)
  double noise_scale = 0;    // trace_sigma / grad_sq_norm
};

// One step's unbiased estimates (before smoothing). ConfigError-free: returns false when
// small_batch >= big_batch (no information).
bool unbiased_noise_estimates(const NoiseScaleSample& s, double* grad_sq_norm, double* trace_sigma);

class GradientNoiseScale : public Stateful {
 public:
  explicit GradientNoiseScale(double ema_decay);
  // Adds one step; returns false (and changes nothing) when the sample carries no information.
  bool update(const NoiseScaleSample& s);
  bool ready() const { return updates_ > 0; }
  NoiseScaleEstimate estimate() const;  // NaN fields before the first update
  std::int64_t updates() const { return updates_; }
  // "<prefix>/ema_g2", "<prefix>/ema_s", "<prefix>/updates"
  void save_state(StateWriter& out, const std::string& prefix) const override;
  void load_state(const StateReader& in, const std::string& prefix) override;

 private:
  double decay_;
  double ema_g2_ = 0, ema_s_ = 0;
  std::int64_t updates_ = 0;
};

}  // namespace curvlab
