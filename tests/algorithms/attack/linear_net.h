// Test models for the attack tests: a linear softmax classifier z = W x + b (float64), whose
// minimal perturbations to each decision boundary are known in closed form, and a small tanh MLP.
#pragma once

#include <torch/torch.h>

#include <limits>

#include "base/net.h"

namespace curvlab::attack_test {

struct LinearNetImpl : NetImpl {
  torch::nn::Linear fc{nullptr};
  LinearNetImpl(const torch::Tensor& w, const torch::Tensor& b) {
    fc = register_module("fc", torch::nn::Linear(w.size(1), w.size(0)));
    fc->to(torch::kFloat64);
    torch::NoGradGuard no_grad;
    fc->weight.copy_(w);
    fc->bias.copy_(b);
  }
  torch::Tensor forward(torch::Tensor x) override { return fc->forward(x.flatten(1)); }  // [B, K]
};

struct TanhMlpImpl : NetImpl {
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  TanhMlpImpl(std::int64_t d, std::int64_t k) {
    fc1 = register_module("fc1", torch::nn::Linear(d, 16));
    fc2 = register_module("fc2", torch::nn::Linear(16, k));
    to(torch::kFloat64);
  }
  torch::Tensor forward(torch::Tensor x) override { return fc2->forward(torch::tanh(fc1->forward(x.flatten(1)))); }
};

// The distance from x_b to the boundary between its class y_b and class i of z = W x + b, in the
// norm whose dual is `dual_p` (2 for L2, 1 for Linf): (z_y - z_i) / ||w_y - w_i||_dual. [B, K],
// +inf at i = y_b.
inline torch::Tensor boundary_distances(const torch::Tensor& w, const torch::Tensor& b, const torch::Tensor& x,
                                        const torch::Tensor& y, double dual_p) {
  const torch::Tensor z = x.flatten(1).matmul(w.t()) + b;  // [B, K]
  const torch::Tensor zy = z.gather(1, y.view({-1, 1}));
  const torch::Tensor wy = w.index_select(0, y);           // [B, D]
  const torch::Tensor dw = wy.unsqueeze(1) - w.unsqueeze(0);  // [B, K, D]
  torch::Tensor d = (zy - z) / dw.norm(dual_p, {2});
  return d.scatter(1, y.view({-1, 1}), std::numeric_limits<double>::infinity());
}

}  // namespace curvlab::attack_test
