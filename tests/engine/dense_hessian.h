// The dense Hessian of a model's mean cross-entropy, row by row with double-backward, for tests that
// check Hessian estimates (curvature tracking, the hessian job) on models of a few dozen parameters.
#pragma once

#include <torch/torch.h>

#include "base/net.h"

namespace curvlab::test_util {

// The dense Hessian [P, P] of the mean cross-entropy over x, y, in float64.
inline torch::Tensor dense_hessian(Net& model, const torch::Tensor& x, const torch::Tensor& y) {
  std::vector<torch::Tensor> params;
  for (auto& p : model->parameters()) params.push_back(p);
  const torch::Tensor loss = torch::nn::functional::cross_entropy(model->forward(x), y);
  const auto grads = torch::autograd::grad({loss}, params, {}, /*retain_graph=*/true, /*create_graph=*/true);
  std::vector<torch::Tensor> flat;
  for (const auto& g : grads) flat.push_back(g.reshape({-1}));
  const torch::Tensor g = torch::cat(flat);
  std::vector<torch::Tensor> rows;
  for (std::int64_t i = 0; i < g.numel(); ++i) {
    const auto row = torch::autograd::grad({g[i]}, params, {}, /*retain_graph=*/true, /*create_graph=*/false,
                                           /*allow_unused=*/true);
    std::vector<torch::Tensor> parts;
    for (std::size_t j = 0; j < row.size(); ++j) {
      parts.push_back(row[j].defined() ? row[j].reshape({-1}) : torch::zeros({params[j].numel()}, torch::kFloat64));
    }
    rows.push_back(torch::cat(parts));
  }
  return torch::stack(rows);
}

}  // namespace curvlab::test_util
