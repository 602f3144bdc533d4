// DeepFool, batched: every image still classified as its label takes one linearised step per
// iteration.
#include "algorithms/attack/deepfool.h"

#include <torch/torch.h>

#include <algorithm>
#include <limits>

#include "base/error.h"

namespace curvlab {

AttackResult deepfool(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, AttackNorm norm,
                      const InputBox& box, const DeepFoolOptions& options) {
  const FrozenParameters frozen(model);
  CURVLAB_CHECK(options.overshoot >= 0, ConfigError,
                "deepfool: overshoot must be >= 0 (got " + std::to_string(options.overshoot) + ")");
  const std::int64_t b = x.size(0);
  const torch::Tensor z0 = logits(model, x);  // [B, K]
  const std::int64_t c = std::min<std::int64_t>(options.top_c, z0.size(1));
  CURVLAB_CHECK(c >= 2, ConfigError, "deepfool: top_c must be >= 2 (got " + std::to_string(options.top_c) + ")");
  const torch::Tensor classes = std::get<1>(z0.sort(1, /*descending=*/true)).slice(1, 0, c);  // [B, c]
  torch::Tensor adv = x.detach().clone();
  torch::Tensor r_total = torch::zeros_like(x);
  torch::Tensor iterations = torch::zeros({b}, torch::kInt64);
  torch::Tensor target = torch::full({b}, -1, torch::kInt64);
  torch::Tensor active = z0.argmax(1).eq(y);
  for (std::int64_t it = 0; it < options.max_iter && active.any().item<bool>(); ++it) {
    const torch::Tensor idx = active.nonzero().squeeze(1);
    const torch::Tensor xa = adv.index_select(0, idx).detach().requires_grad_(true);
    const torch::Tensor cls = classes.index_select(0, idx);  // [n, c]; column 0 is the label
    const torch::Tensor z = model.forward(xa);                // [n, K]
    const torch::Tensor z_k = z.gather(1, cls.slice(1, 0, 1)).squeeze(1);
    const torch::Tensor g_k = torch::autograd::grad({z_k.sum()}, {xa}, {}, /*retain_graph=*/true)[0];
    torch::Tensor best = torch::full({idx.size(0)}, std::numeric_limits<double>::infinity(), torch::kFloat64);
    torch::Tensor best_f = torch::zeros({idx.size(0)}, torch::kFloat64);
    torch::Tensor best_w = torch::zeros_like(g_k);
    torch::Tensor best_class = cls.select(1, 1).clone();
    for (std::int64_t i = 1; i < c; ++i) {
      const torch::Tensor z_i = z.gather(1, cls.slice(1, i, i + 1)).squeeze(1);
      const torch::Tensor g_i = torch::autograd::grad({z_i.sum()}, {xa}, {}, /*retain_graph=*/i + 1 < c)[0];
      const torch::Tensor w = g_i - g_k;                                          // [n, ...]
      const torch::Tensor f = (z_i - z_k).detach().abs().to(torch::kFloat64);     // [n]
      const torch::Tensor dist = f / dual_norm(w, norm).to(torch::kFloat64).clamp_min(1e-30);
      const torch::Tensor better = dist < best;
      best = torch::where(better, dist, best);
      best_f = torch::where(better, f, best_f);
      best_w = torch::where(per_image(better, w), w, best_w);
      best_class = torch::where(better, cls.select(1, i), best_class);
    }
    // The step to the nearest linearised boundary (+1e-4 so that it lands across it).
    // An image whose gradients vanish (every unit of the path off, e.g. JumpReLU at a large kappa)
    // cannot move: its step is 0 and it leaves the active set (a failure).
    const torch::Tensor dn_raw = dual_norm(best_w, norm).to(torch::kFloat64);
    const torch::Tensor movable = dn_raw > 0;
    const torch::Tensor dn = dn_raw.clamp_min(1e-30);
    const torch::Tensor r_raw = norm == AttackNorm::kL2
                                ? per_image(((best_f + 1e-4) / (dn * dn)).to(x.scalar_type()), x.index_select(0, idx)) * best_w
                                : per_image(((best_f + 1e-4) / dn).to(x.scalar_type()), x.index_select(0, idx)) * best_w.sign();
    const torch::Tensor r = torch::where(per_image(movable, r_raw), r_raw, torch::zeros_like(r_raw));
    const torch::Tensor r_new = r_total.index_select(0, idx) + r;
    r_total.index_copy_(0, idx, r_new);
    const torch::Tensor stepped = clamp_box(x.index_select(0, idx) + (1 + options.overshoot) * r_new, box);
    adv.index_copy_(0, idx, stepped);
    iterations.index_add_(0, idx, torch::ones({idx.size(0)}, torch::kInt64));
    target.index_copy_(0, idx, best_class);
    active.index_copy_(0, idx, logits(model, stepped).argmax(1).eq(y.index_select(0, idx)).logical_and(movable));
  }
  return {adv, logits(model, adv).argmax(1).ne(y), iterations, target};
}

}  // namespace curvlab
