// Gradient noise scale: unbiased estimates and their bias-corrected moving averages.
#include "algorithms/large_batch/noise_scale.h"

#include <cmath>

#include "base/error.h"

namespace curvlab {

bool unbiased_noise_estimates(const NoiseScaleSample& s, double* grad_sq_norm, double* trace_sigma) {
  const double b = s.small_batch, B = s.big_batch;
  if (!(b > 0) || !(B > b) || !std::isfinite(s.small_sq_norm) || !std::isfinite(s.big_sq_norm)) return false;
  *grad_sq_norm = (B * s.big_sq_norm - b * s.small_sq_norm) / (B - b);
  *trace_sigma = (s.small_sq_norm - s.big_sq_norm) / (1.0 / b - 1.0 / B);
  return true;
}

GradientNoiseScale::GradientNoiseScale(double ema_decay) : decay_(ema_decay) {
  CURVLAB_CHECK(ema_decay >= 0 && ema_decay < 1, ConfigError,
                "train.noise_scale_ema must be in [0, 1), got " + std::to_string(ema_decay));
}

bool GradientNoiseScale::update(const NoiseScaleSample& s) {
  double g2 = 0, tr = 0;
  if (!unbiased_noise_estimates(s, &g2, &tr)) return false;
  ema_g2_ = decay_ * ema_g2_ + (1.0 - decay_) * g2;
  ema_s_ = decay_ * ema_s_ + (1.0 - decay_) * tr;
  ++updates_;
  return true;
}

NoiseScaleEstimate GradientNoiseScale::estimate() const {
  NoiseScaleEstimate e;
  if (updates_ == 0) {
    e.grad_sq_norm = e.trace_sigma = e.noise_scale = std::nan("");
    return e;
  }
  const double correction = 1.0 - std::pow(decay_, static_cast<double>(updates_));  // as in Adam
  e.grad_sq_norm = ema_g2_ / correction;
  e.trace_sigma = ema_s_ / correction;
  e.noise_scale = e.trace_sigma / e.grad_sq_norm;
  return e;
}

void GradientNoiseScale::save_state(StateWriter& out, const std::string& prefix) const {
  out.write_double(prefix + "/ema_g2", ema_g2_);
  out.write_double(prefix + "/ema_s", ema_s_);
  out.write_int(prefix + "/updates", updates_);
}

void GradientNoiseScale::load_state(const StateReader& in, const std::string& prefix) {
  ema_g2_ = in.read_double(prefix + "/ema_g2");
  ema_s_ = in.read_double(prefix + "/ema_s");
  updates_ = in.read_int(prefix + "/updates");
}

}  // namespace curvlab
