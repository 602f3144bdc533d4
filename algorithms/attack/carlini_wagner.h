// The Carlini-Wagner L2 attack (Carlini & Wagner 2017, "Towards Evaluating the Robustness of Neural
// Networks"), untargeted: a tanh change of variables keeps the image in the box, Adam minimises
// ||x' - x||_2^2 + c * max(z_y - max_{i != y} z_i, -confidence), and a binary search over c per image
// keeps the smallest successful perturbation. The caller puts the model in eval mode. Not for: the
// first-order minimal attacks (deepfool.h, trust_region.h).
#pragma once

#include <torch/types.h>

#include "algorithms/attack/attack_math.h"

namespace curvlab {

// x [B, ...], y int64 [B]. x' = lo + (hi - lo) (tanh(w) + 1) / 2, w started at the clean image.
// Per binary-search step, max_iter Adam steps (lr, the defaults of torch.optim.Adam otherwise) on
// the batch's summed objective (Adam is element-wise, so each image's path is its own); with
// abort_early, the step ends when the batch objective has not fallen below 0.9999 of its value
// max_iter/10 steps earlier. c: from initial_const, x10 while no success (no upper bound yet),
// else the midpoint of the bounds. `adversarial` is the smallest-L2 successful image found (the
// clean image where none), `iterations` the Adam steps taken on the image over all search steps.
// Images classified wrongly from the start get 0 iterations and success true.
AttackResult carlini_wagner_l2(NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, const InputBox& box,
                               const CwOptions& options);

}  // namespace curvlab
