// The loss-gradient attacks: FGSM, iterative FGSM (the JumpReLU paper's minimal form) and PGD
// (Madry et al. 2018), untargeted, on the cross-entropy of the label, in the L2 or Linf norm, inside
// the input box. The caller puts the model in eval mode. Not for: DeepFool and the trust-region
// attack (deepfool.h, trust_region.h).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "algorithms/attack/attack_math.h"

namespace curvlab {

// FGSM (Goodfellow et al. 2015) at each eps: clamp(x + eps * u), u = sign(g) (Linf) or g/||g||_2
// (L2), g the input gradient of the cross-entropy of y at the clean x (one gradient for every eps).
// x [B, ...], y int64 [B] -> one [B, ...] per eps, in eps order.
std::vector<torch::Tensor> fgsm(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y,
                                const std::vector<double>& eps, AttackNorm norm, const InputBox& box);

// Iterative FGSM, minimal form: x_{k+1} = clamp(x_k + step * u(g_k)) for the images still classified
// as y, until each flips or max_iter steps; an image classified wrongly from the start has 0
// iterations and success true (callers report only the correctly classified ones).
AttackResult ifgsm(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, AttackNorm norm,
                   const InputBox& box, const IfgsmOptions& options);

// PGD at radius eps: a random start uniform in the eps-ball (image b's draw seeded by
// (seed, image_index[b]), so an image's attack does not depend on its batch or rank), then
// options.steps steps of size step_ratio * eps / steps along u(g), each projected onto the ball
// around x and the box. Returns the attacked images [B, ...].
torch::Tensor pgd(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, double eps, AttackNorm norm,
                  const InputBox& box, const PgdOptions& options, std::uint64_t seed,
                  const torch::Tensor& image_index);

// The input gradient [B, ...] of the cross-entropy of y at x (summed over the batch, so each
// image's gradient is its own) and the logits [B, K].
std::pair<torch::Tensor, torch::Tensor> cross_entropy_input_grad(NetImpl& model, const torch::Tensor& x,
                                                                 const torch::Tensor& y);

}  // namespace curvlab
