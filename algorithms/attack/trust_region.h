// The first-order trust-region attack (Yao, Gholami, Xu, Keutzer, Mahoney 2019, "Trust Region Based
// Adversarial Attack on Neural Networks"): per image a fixed target t among the top-c classes
// (choose_targets), then steps that shrink the logit gap z_y - z_t within an adaptive radius.
// The caller puts the model in eval mode. Not for: DeepFool (deepfool.h).
#pragma once

#include <torch/types.h>

#include "algorithms/attack/attack_math.h"

namespace curvlab {

// x [B, ...], y int64 [B]. Per iteration, on each image still classified as y: g = grad(z_t - z_y)
// without its components that point out of the box at pixels on a bound, gap = z_y - z_t,
// s = min(gap / dual_norm(g), radius); x <- clamp(x + overshoot * (s + margin) * u(g)), u the unit
// step of the norm; an image whose g is all zero stops. rho = (gap - new gap) / g.(x_new - x) (actual over predicted
// decrease, the clamp included); radius *= grow if rho > rho_grow, /= grow if rho < rho_shrink,
// clamped to [radius_min, radius_max]. Every step is taken (as the paper's code). Images classified
// wrongly from the start get 0 iterations and success true.
AttackResult trust_region(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, AttackNorm norm,
                          const InputBox& box, const TrustRegionOptions& options);

// The second-order variant (the paper's TR with a quadratic model): along the same direction u, the
// step is where the quadratic model gap - s g.u + s^2 u'Hu / 2 first reaches 0 (its minimiser when
// it stays above 0), H the input Hessian of the gap by Hessian-vector products, capped by the
// radius; rho compares with the quadratic model's decrease. Two HVPs per iteration. With ReLU-type
// activations and max pooling the logits are piecewise linear in the input, H = 0 almost everywhere
// and tr2 takes tr's steps; it differs on smooth activations (tanh, gelu, sigmoid).
AttackResult trust_region2(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, AttackNorm norm,
                           const InputBox& box, const TrustRegionOptions& options);

// The radius bounds in effect: options' where set (> 0), else the paper's for the norm
// (L2 [5e-4, 5e-2], Linf [1e-4, 1e-2]).
std::pair<double, double> trust_radius_bounds(const TrustRegionOptions& options, AttackNorm norm);

}  // namespace curvlab
