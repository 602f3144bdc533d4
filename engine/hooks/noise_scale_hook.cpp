// The gradient noise scale as a step hook (see noise_scale_hook.h).
#include "engine/hooks/noise_scale_hook.h"

#include <torch/torch.h>

#include "engine/train_context.h"

namespace curvlab {

void NoiseScaleHook::on_start(TrainContext& c) { c.reducer->set_track_sq_norm(true); }

int NoiseScaleHook::min_micro_batches(const TrainContext& c) const { return c.comm->size() == 1 ? 2 : 1; }

void NoiseScaleHook::before_step(TrainContext& c) { small_count_ = inv_batch_sum_ = 0; }

void NoiseScaleHook::after_backward(TrainContext& c, const MicroBatch& mb) {
  if (mb.local_size == 0) return;
  small_count_ += 1;
  inv_batch_sum_ += 1.0 / static_cast<double>(mb.local_size);
}

void NoiseScaleHook::before_update(TrainContext& c) {
  // {sum |g_k|^2, number of small-batch gradients, sum of 1/b_k} over ranks
  std::vector<double> s = {c.reducer->local_sq_norm(), small_count_, inv_batch_sum_};
  if (c.comm->size() > 1) {
    auto all = torch::tensor(s, torch::kFloat64);
    c.comm->allreduce({all}, ReduceOp::kSum);
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = all[static_cast<std::int64_t>(i)].item<double>();
  }
  double big = 0;
  for (const auto& [name, p] : c.params) {
    if (p.grad().defined()) big += p.grad().square().sum(torch::kDouble).item<double>();
  }
  if (s[1] >= 2) {
    NoiseScaleSample sample;
    sample.small_sq_norm = s[0] / s[1];
    sample.small_batch = s[1] / s[2];
    sample.big_sq_norm = big;
    sample.big_batch = static_cast<double>(c.global_size);
    noise_.update(sample);
  }
  const NoiseScaleEstimate e = noise_.estimate();
  c.record("grad_sq_norm", e.grad_sq_norm);
  c.record("trace_sigma", e.trace_sigma);
  c.record("noise_scale", e.noise_scale);
}

void NoiseScaleHook::save_state(const TrainContext& c, StateWriter& out) const { noise_.save_state(out, "noise_scale"); }

void NoiseScaleHook::load_state(TrainContext& c, const StateReader& in) {
  if (in.has("noise_scale/updates")) noise_.load_state(in, "noise_scale");
}

}  // namespace curvlab
