// DeepFool (Moosavi-Dezfooli, Fawzi, Frossard 2016), multi-class, L2 and Linf: at each step the
// classifier is linearised around the current image for the top-c classes of the clean image, and
// the image moves to the nearest linearised boundary; the accumulated perturbation is scaled by
// (1 + overshoot). The caller puts the model in eval mode. Not for: the loss-gradient attacks
// (gradient_attacks.h) or the trust-region attack (trust_region.h).
#pragma once

#include <torch/types.h>

#include "algorithms/attack/attack_math.h"

namespace curvlab {

// x [B, ...], y int64 [B] (the labels). Images classified wrongly from the start get 0 iterations
// and success true. `target` is the class of the boundary crossed last (-1 where none).
// With k = the original class and, for each other of the top-c classes i, f_i = z_i - z_k and
// w_i = grad f_i: the step is r = (|f_l| + 1e-4) w_l / ||w_l||_2^2 (L2) or
// (|f_l| + 1e-4) sign(w_l) / ||w_l||_1 (Linf), l minimising |f_i| / dual_norm(w_i); the image is
// clamp(x + (1 + overshoot) * sum r), inside the box.
AttackResult deepfool(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, AttackNorm norm,
                      const InputBox& box, const DeepFoolOptions& options);

}  // namespace curvlab
