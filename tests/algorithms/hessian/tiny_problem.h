// A tiny float64 problem for the Hessian tests: an MLP with ~130 parameters on 50 Gaussian samples,
// and its exact Hessian built row by row with dense autograd (independent of HvpOperator); and the
// operators the estimator tests share (an HvpOperator or a dense matrix as a LinearOperator).
#pragma once

#include <torch/torch.h>

#include "algorithms/hessian/hvp.h"
#include "algorithms/hessian/linear_operator.h"
#include "engine/models/model.h"

namespace curvlab {
namespace testing_hessian {

struct TinyProblem {
  Net model;
  torch::Tensor inputs;   // [50, 1, 2, 3]
  torch::Tensor targets;  // [50]
  torch::Tensor dense;    // [P, P] exact Hessian of the mean loss
};

inline Net make_tiny_model(std::uint64_t seed) {
  torch::manual_seed(seed);
  ModelOptions spec;
  spec.name = "mlp";
  spec.widths = {8, 6};
  spec.activation = Activation::kTanh;
  Net m = make_model(spec, {1, 2, 3}, 3);
  m->to(torch::kFloat64);
  return m;
}

// The exact Hessian of the mean cross-entropy of `model` on (x, y), [P, P].
inline torch::Tensor dense_hessian(const Net& model, const torch::Tensor& x, const torch::Tensor& y) {
  model->eval();
  std::vector<torch::Tensor> params;
  for (auto& p : model->parameters()) params.push_back(p);
  auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
  auto grads = torch::autograd::grad({loss}, params, {}, true, true);
  std::vector<torch::Tensor> flat;
  for (auto& g : grads) flat.push_back(g.reshape({-1}));
  torch::Tensor g = torch::cat(flat);
  const std::int64_t n = g.numel();
  torch::Tensor H = torch::zeros({n, n}, torch::kFloat64);
  for (std::int64_t i = 0; i < n; ++i) {
    auto row = torch::autograd::grad({g[i]}, params, {}, true, false, true);
    std::int64_t off = 0;
    for (std::size_t j = 0; j < row.size(); ++j) {
      const std::int64_t k = params[j].numel();
      if (row[j].defined()) H[i].slice(0, off, off + k).copy_(row[j].reshape({-1}));
      off += k;
    }
  }
  return (H + H.t()) / 2;
}

inline TinyProblem make_tiny_problem(std::uint64_t seed = 3) {
  TinyProblem p;
  p.model = make_tiny_model(seed);
  torch::manual_seed(seed + 100);
  p.inputs = torch::randn({50, 1, 2, 3}, torch::kFloat64);
  p.targets = torch::randint(0, 3, {50}, torch::kInt64);
  p.dense = dense_hessian(p.model, p.inputs, p.targets);
  return p;
}

// The estimators' view of an HVP operator (it must outlive the returned operator).
inline LinearOperator as_operator(HvpOperator& hvp) {
  return {hvp.dim(), [&hvp](const torch::Tensor& v) { return hvp.apply(v); }};
}
// A dense symmetric matrix H [n, n] as an operator.
inline LinearOperator dense_operator(const torch::Tensor& H) {
  return {H.size(0), [H](const torch::Tensor& v) { return torch::mv(H, v); }};
}
// The (offset, numel) blocks of the operator's layers.
inline std::vector<std::pair<std::int64_t, std::int64_t>> blocks_of(const HvpOperator& hvp) {
  std::vector<std::pair<std::int64_t, std::int64_t>> b;
  for (const auto& g : hvp.groups()) b.emplace_back(g.offset, g.numel);
  return b;
}

}  // namespace testing_hessian
}  // namespace curvlab
