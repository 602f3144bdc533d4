// The trust-region attacks (first and second order), batched over the images still classified as
// their label.
#include "algorithms/attack/trust_region.h"

#include <torch/torch.h>

#include "base/error.h"

namespace curvlab {

std::pair<double, double> trust_radius_bounds(const TrustRegionOptions& options, AttackNorm norm) {
  const double lo = options.radius_min > 0 ? options.radius_min : (norm == AttackNorm::kL2 ? 5e-4 : 1e-4);
  const double hi = options.radius_max > 0 ? options.radius_max : (norm == AttackNorm::kL2 ? 5e-2 : 1e-2);
  return {lo, hi};
}

namespace {

// H v per image, H the input Hessian of sum_b (z_t - z_y)_b at x (one double backward).
torch::Tensor gap_hvp(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& t,
                      const torch::Tensor& v) {
  torch::Tensor xr = x.detach().requires_grad_(true);
  const torch::Tensor z = model.forward(xr);
  const torch::Tensor obj = (z.gather(1, t.view({-1, 1})) - z.gather(1, y.view({-1, 1}))).sum();
  const torch::Tensor g = torch::autograd::grad({obj}, {xr}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  const torch::Tensor gv = (g * v.detach()).sum();
  if (!gv.requires_grad()) return torch::zeros_like(x);  // the gradient does not depend on x (linear model)
  const auto hv = torch::autograd::grad({gv}, {xr}, {}, /*retain_graph=*/false, /*create_graph=*/false,
                                        /*allow_unused=*/true)[0];
  return hv.defined() ? hv.detach() : torch::zeros_like(x);
}

AttackResult trust_region_impl(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, AttackNorm norm,
                               const InputBox& box, const TrustRegionOptions& options, bool second_order) {
  const auto [r_min, r_max] = trust_radius_bounds(options, norm);
  CURVLAB_CHECK(r_min <= r_max, ConfigError,
                "tr: radius_min " + std::to_string(r_min) + " is above radius_max " + std::to_string(r_max));
  CURVLAB_CHECK(options.radius > 0 && options.grow > 1 && options.overshoot >= 1 && options.margin >= 0,
                ConfigError, "tr: radius must be > 0, grow > 1, overshoot >= 1 and margin >= 0");
  const FrozenParameters frozen(model);
  const std::int64_t b = x.size(0);
  torch::Tensor adv = x.detach().clone();
  torch::Tensor iterations = torch::zeros({b}, torch::kInt64);
  torch::Tensor active = logits(model, x).argmax(1).eq(y);
  torch::Tensor target = choose_targets(model, x, options.top_c, norm, options.target);
  torch::Tensor radius = torch::full({b}, std::min(std::max(options.radius, r_min), r_max), torch::kFloat64);
  // The logit gap z_y - z_t [n] from logits z, and the input gradient of sum (z_t - z_y).
  auto gap_of = [](const torch::Tensor& z, const torch::Tensor& ys, const torch::Tensor& ts) {
    return (z.gather(1, ys.view({-1, 1})) - z.gather(1, ts.view({-1, 1}))).squeeze(1);
  };
  auto grad_of = [](const torch::Tensor& gap, const torch::Tensor& xr) {
    return torch::autograd::grad({-gap.sum()}, {xr})[0].detach();
  };
  // The images still attacked (idx into the batch), their current images, gaps and gradients. Each
  // iteration's one forward pass at the new images serves its radius update and, for the images
  // that stay, the next iteration's gradient (one backward): two passes per iteration, not three.
  torch::Tensor idx = active.nonzero().squeeze(1);
  torch::Tensor xa = adv.index_select(0, idx), ya = y.index_select(0, idx), ta = target.index_select(0, idx);
  torch::Tensor gap, g_full;
  if (idx.numel() > 0) {
    const torch::Tensor xr = xa.detach().requires_grad_(true);
    const torch::Tensor gz = gap_of(model.forward(xr), ya, ta);
    g_full = grad_of(gz, xr);
    gap = gz.detach().to(torch::kFloat64);
  }
  for (std::int64_t it = 0; it < options.max_iter && idx.numel() > 0; ++it) {
    // The feasible steepest direction: components that would leave the box at a pixel on its bound
    // are dropped (else the clamp eats them and the linear distance is too short: on images with a
    // saturated background most of an L2 step, all of some Linf steps). An image with no feasible
    // component left cannot move and stops.
    const torch::Tensor blocked =
        g_full.gt(0).logical_and(xa.ge(box.hi)).logical_or(g_full.lt(0).logical_and(xa.le(box.lo)));
    const torch::Tensor g = g_full.masked_fill(blocked, 0);
    const torch::Tensor ra = radius.index_select(0, idx);
    const torch::Tensor u = unit_step(g, norm);
    const torch::Tensor a_raw = dual_norm(g, norm).to(torch::kFloat64);
    const torch::Tensor movable = a_raw.gt(0);
    const torch::Tensor a = a_raw.clamp_min(1e-30);  // g.u
    torch::Tensor dist;  // the step length along u at which the model of the gap reaches 0
    torch::Tensor curv;  // second order: u'Hu with H the Hessian of the gap z_y - z_t
    if (!second_order) {
      dist = gap.clamp_min(0) / a;
    } else {
      // gap(x + s u) ~ gap - a s + curv s^2 / 2: its smallest positive root 2 gap / (a + sqrt(a^2 -
      // 2 curv gap)), or where it has none (curv > 0 and the model stays above 0) its minimiser a / curv.
      curv = -(u * gap_hvp(model, xa, ya, ta, u)).flatten(1).sum(1).to(torch::kFloat64);
      const torch::Tensor gp = gap.clamp_min(0);
      const torch::Tensor disc = a * a - 2 * curv * gp;
      dist = torch::where(disc >= 0, 2 * gp / (a + disc.clamp_min(0).sqrt()), a / curv.clamp_min(1e-30));
    }
    // The margin makes a step meant to reach the boundary cross it: without it the steps approach
    // the boundary geometrically and float noise decides the label once the gap is ~1e-7.
    const torch::Tensor s = (torch::minimum(dist, ra) + options.margin) * options.overshoot;  // [n]
    const torch::Tensor stepped = clamp_box(xa + per_image(s.to(x.scalar_type()), xa) * u, box);
    // rho: the actual decrease of the gap over the model's: g.d (first order), g.d - d'Hd/2 (second),
    // d = x_new - x (the clamp included).
    const torch::Tensor d = stepped - xa;
    torch::Tensor predicted = (g * d).flatten(1).sum(1).to(torch::kFloat64);
    if (second_order) {
      predicted = predicted + 0.5 * (d * gap_hvp(model, xa, ya, ta, d)).flatten(1).sum(1).to(torch::kFloat64);
    }
    const bool last = it + 1 == options.max_iter;
    const torch::Tensor xr = stepped.detach().requires_grad_(!last);
    torch::Tensor z_new;
    torch::Tensor gz;
    {
      torch::AutoGradMode grad_mode(!last);
      z_new = model.forward(xr);
      gz = gap_of(z_new, ya, ta);
    }
    const torch::Tensor gap_new = gz.detach().to(torch::kFloat64);
    const torch::Tensor rho = (gap - gap_new) / predicted.clamp_min(1e-30);
    torch::Tensor r_next = torch::where(rho > options.rho_grow, ra * options.grow,
                                        torch::where(rho < options.rho_shrink, ra / options.grow, ra));
    radius.index_copy_(0, idx, r_next.clamp(r_min, r_max));
    adv.index_copy_(0, idx, stepped);
    iterations.index_add_(0, idx, torch::ones({idx.size(0)}, torch::kInt64));
    const torch::Tensor still = z_new.detach().argmax(1).eq(ya).logical_and(movable);
    active.index_copy_(0, idx, still);
    if (last) break;
    const torch::Tensor keep = still.nonzero().squeeze(1);
    if (keep.numel() == 0) break;
    // Each image's gradient row depends only on that image: the rows of the kept ones are theirs.
    const torch::Tensor g_new = grad_of(gz, xr);
    idx = idx.index_select(0, keep);
    xa = stepped.index_select(0, keep);
    ya = ya.index_select(0, keep);
    ta = ta.index_select(0, keep);
    gap = gap_new.index_select(0, keep);
    g_full = g_new.index_select(0, keep);
  }
  return {adv, logits(model, adv).argmax(1).ne(y), iterations, target};
}

}  // namespace

AttackResult trust_region(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, AttackNorm norm,
                          const InputBox& box, const TrustRegionOptions& options) {
  return trust_region_impl(model, x, y, norm, box, options, false);
}

AttackResult trust_region2(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, AttackNorm norm,
                           const InputBox& box, const TrustRegionOptions& options) {
  return trust_region_impl(model, x, y, norm, box, options, true);
}

}  // namespace curvlab
