// The pieces every attack shares: per-image norms and unit steps, the input box, input gradients
// of logit objectives, and the choice of a target among the top-c classes. Not for: the attacks
// themselves (gradient_attacks.h, deepfool.h, trust_region.h).
#pragma once

#include <torch/types.h>

#include <functional>
#include <utility>
#include <vector>

#include "algorithms/attack/attack_options.h"
#include "base/net.h"

namespace curvlab {

// What an attack returns for a batch of B images.
struct AttackResult {
  torch::Tensor adversarial;  // [B, ...] the attacked images (the clean image where nothing was done)
  torch::Tensor success;      // bool [B]: classified other than the label at the end
  torch::Tensor iterations;   // int64 [B]: gradient steps taken on the image
  torch::Tensor target;       // int64 [B]: the class aimed at, -1 for untargeted attacks
};

// Per-image norms of x [B, ...] -> [B]: ||x_b||_2 or ||x_b||_inf.
torch::Tensor image_norm(const torch::Tensor& x, AttackNorm norm);
// Per-image dual norms of a gradient g [B, ...] -> [B]: ||g_b||_2 (L2) or ||g_b||_1 (Linf). The
// linearised distance to a boundary f + g.d = 0 in the attack's norm is |f| / dual_norm(g).
torch::Tensor dual_norm(const torch::Tensor& g, AttackNorm norm);
// The steepest unit step for g [B, ...]: sign(g) (Linf) or g / ||g||_2 (L2; zero where g is zero).
torch::Tensor unit_step(const torch::Tensor& g, AttackNorm norm);
// s [B] broadcast over x's shape [B, ...].
torch::Tensor per_image(const torch::Tensor& s, const torch::Tensor& x);
torch::Tensor clamp_box(const torch::Tensor& x, const InputBox& box);

// For its lifetime the model's parameters do not require gradients (each flag is restored after):
// an attack needs input gradients only, so backward passes skip the weight-gradient kernels and
// nothing is accumulated into the parameters' .grad. Every attack holds one; they nest.
class FrozenParameters {
 public:
  explicit FrozenParameters(NetImpl& model);
  ~FrozenParameters();
  FrozenParameters(const FrozenParameters&) = delete;
  FrozenParameters& operator=(const FrozenParameters&) = delete;

 private:
  std::vector<torch::Tensor> params_;
  std::vector<bool> required_;
};

// Logits z [B, K] of x and the input gradient [B, ...] of sum_b objective(z)_b, in one forward and
// one backward pass (samples are independent: the caller puts the model in eval mode).
// objective: z [B, K] -> [B].
std::pair<torch::Tensor, torch::Tensor> logits_and_input_grad(
    NetImpl& model, const torch::Tensor& x, const std::function<torch::Tensor(const torch::Tensor&)>& objective);
// Logits of x without a graph: [B, K].
torch::Tensor logits(NetImpl& model, const torch::Tensor& x);

// For each image, among its top_c classes by logit (the first is its predicted class `cls`), the
// class whose linearised boundary with cls is nearest (kEasiest) or farthest (kHardest) in the
// attack's norm: (z_cls - z_i) / dual_norm(grad z_i - grad z_cls). Returns int64 [B]. top_c is
// capped at the number of classes; it must be at least 2.
torch::Tensor choose_targets(NetImpl& model, const torch::Tensor& x, std::int64_t top_c, AttackNorm norm,
                             TargetChoice choice);

}  // namespace curvlab
