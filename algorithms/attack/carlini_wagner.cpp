// Carlini-Wagner L2, untargeted, batched over the images classified correctly at the start.
#include "algorithms/attack/carlini_wagner.h"

#include <torch/torch.h>

#include "base/error.h"

namespace curvlab {

AttackResult carlini_wagner_l2(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, const InputBox& box,
                               const CwOptions& options) {
  const FrozenParameters frozen(model);
  CURVLAB_CHECK(options.binary_steps >= 1 && options.max_iter >= 1 && options.lr > 0 && options.initial_const > 0 &&
                    options.confidence >= 0,
                ConfigError, "cw: binary_steps and max_iter must be >= 1, lr and initial_const > 0, confidence >= 0");
  CURVLAB_CHECK(box.hi > box.lo, ConfigError, "cw: the input box is empty");
  const std::int64_t b = x.size(0);
  torch::Tensor adv = x.detach().clone();
  torch::Tensor iterations = torch::zeros({b}, torch::kInt64);
  const torch::Tensor z0 = logits(model, x);
  const torch::Tensor correct = z0.argmax(1).eq(y);
  const torch::Tensor idx = correct.nonzero().squeeze(1);
  const std::int64_t n = idx.size(0);
  if (n > 0) {
    const torch::Tensor xa = x.index_select(0, idx).detach(), ya = y.index_select(0, idx);
    const double lo = box.lo, span = box.hi - box.lo;
    const torch::Tensor w0 = torch::atanh(((xa - lo) / span * 2 - 1).clamp(-1 + 1e-6, 1 - 1e-6));
    const torch::Tensor label_mask = torch::one_hot(ya, z0.size(1)).to(torch::kBool);  // [n, K]
    torch::Tensor c = torch::full({n}, options.initial_const, torch::kFloat64);
    torch::Tensor c_lo = torch::zeros({n}, torch::kFloat64);
    torch::Tensor c_hi = torch::full({n}, 1e10, torch::kFloat64);
    torch::Tensor best_l2 = torch::full({n}, std::numeric_limits<double>::infinity(), torch::kFloat64);
    torch::Tensor best = xa.clone();
    torch::Tensor steps_taken = torch::zeros({n}, torch::kInt64);
    const std::int64_t check_every = std::max<std::int64_t>(1, options.max_iter / 10);
    for (std::int64_t bs = 0; bs < options.binary_steps; ++bs) {
      torch::Tensor w = w0.clone().requires_grad_(true);
      torch::optim::Adam adam({w}, torch::optim::AdamOptions(options.lr));
      torch::Tensor found = torch::zeros({n}, torch::kBool);
      const torch::Tensor cf = c.to(xa.scalar_type());
      double previous = std::numeric_limits<double>::infinity();
      std::int64_t taken = 0;
      for (std::int64_t it = 0; it < options.max_iter; ++it) {
        adam.zero_grad();
        const torch::Tensor xadv = lo + span * (torch::tanh(w) + 1) / 2;
        const torch::Tensor z = model.forward(xadv);                                      // [n, K]
        const torch::Tensor real = z.masked_select(label_mask);                           // [n]
        const torch::Tensor other = std::get<0>(z.masked_fill(label_mask, -1e30).max(1));  // [n]
        const torch::Tensor f = (real - other + options.confidence).clamp_min(0);
        const torch::Tensor l2sq = (xadv - xa).flatten(1).pow(2).sum(1);
        const torch::Tensor loss = (l2sq + cf * f).sum();
        loss.backward();
        adam.step();
        ++taken;
        {
          // The image before this step: kept when adversarial and smaller than the best so far.
          torch::NoGradGuard no_grad;
          const torch::Tensor fooled = (real + options.confidence).lt(other);
          found = found.logical_or(fooled);
          const torch::Tensor d = l2sq.detach().sqrt().to(torch::kFloat64);
          const torch::Tensor better = fooled.logical_and(d < best_l2);
          best_l2 = torch::where(better, d, best_l2);
          best = torch::where(per_image(better, best), xadv.detach(), best);
        }
        if (options.abort_early && (it + 1) % check_every == 0) {
          const double now = loss.item<double>();
          if (now > previous * 0.9999) break;
          previous = now;
        }
      }
      steps_taken += taken;
      // Binary search on c: success lowers the upper bound, failure raises the lower one.
      c_hi = torch::where(found, torch::minimum(c_hi, c), c_hi);
      c_lo = torch::where(found, c_lo, torch::maximum(c_lo, c));
      c = torch::where(c_hi < 1e9, (c_lo + c_hi) / 2, c * 10);
    }
    adv.index_copy_(0, idx, best);
    iterations.index_copy_(0, idx, steps_taken);
  }
  return {adv, logits(model, adv).argmax(1).ne(y), iterations, torch::full({b}, -1, torch::kInt64)};
}

}  // namespace curvlab
